import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { containsCardNumber, luhnValid, REDACTED, redactPii } from './pii.redaction.js';

/** Appends the Luhn check digit to `body` (digits only). */
function withCheckDigit(body: string): string {
  for (let d = 0; d <= 9; d++) if (luhnValid(body + d)) return body + d;
  throw new Error('unreachable: exactly one check digit exists');
}

/** A Luhn-valid card number of 13–19 digits. */
const cardNumber = fc
  .integer({ min: 13, max: 19 })
  .chain((len) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: len - 1, maxLength: len - 1 }))
  .map((digits) => withCheckDigit(digits.join('')));

/** How people write card numbers: plain, in groups of four by spaces or hyphens. */
const written = (digits: string) =>
  fc.constantFrom('', ' ', '-').map((sep) => (sep ? (digits.match(/.{1,4}/g) ?? []).join(sep) : digits));

const digitsOnly = (s: string) => s.replace(/[^0-9]/g, '');

describe('luhnValid', () => {
  it('accepts well-known test card numbers and rejects a changed digit', () => {
    for (const n of ['4111111111111111', '5555555555554444', '378282246310005', '6011111111111117', '4222222222222']) expect(luhnValid(n)).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(luhnValid('')).toBe(false);
    expect(luhnValid('41x1')).toBe(false);
  });

  it('is exactly the mod-10 rule: each body has one check digit', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{12,18}$/), (body) => {
        const valid = [...'0123456789'].filter((d) => luhnValid(body + d));
        expect(valid).toHaveLength(1);
      }),
    );
  });
});

describe('redactPii', () => {
  it('masks a Luhn-valid card number embedded anywhere in text, however it is written', () => {
    // "Embedded" means as a number of its own: the text around it does not continue its digits (a digit right next to
    // it would make it a different, longer number — that case is covered by the next property).
    const before = fc.string({ maxLength: 40 }).filter((s) => !/[0-9]$/.test(s));
    const after = fc.string({ maxLength: 40 }).filter((s) => !/^[0-9]/.test(s));
    fc.assert(
      fc.property(before, cardNumber.chain(written), after, (b, card, a) => {
        const out = redactPii(b + card + a);
        // Not the number, in any grouping: compare digit sequences with separators removed.
        expect(digitsOnly(out)).not.toContain(digitsOnly(card));
      }),
      { numRuns: 2000 },
    );
  });

  it('masks it next to other digit groups, inside long digit runs, in unicode text and among other personal data', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 20 }),
        fc.stringMatching(/^[0-9]{1,6}$/),
        cardNumber,
        fc.stringMatching(/^[0-9]{1,6}$/),
        fc.constantFrom(' ', '-'),
        (text, pre, card, post, sep) => {
          const grouped = redactPii(`${text} mail me at jo@example.org, card ${pre}${sep}${card}${sep}${post}!`);
          expect(grouped).not.toContain(card);
          expect(grouped).not.toContain('jo@example.org');
          // Glued into a run of more than 19 digits: every window is checked.
          const long = `${pre}${card}${post}`.padStart(20 + card.length, '0');
          expect(digitsOnly(redactPii(`ref ${long} end`))).not.toContain(card);
        },
      ),
    );
  });

  it('leaves a 13–19 digit number that fails the Luhn check (an order id) alone', () => {
    expect(redactPii('order 4111111111111112 shipped')).toBe('order 4111111111111112 shipped');
    expect(containsCardNumber('4111111111111112')).toBe(false);
    expect(containsCardNumber('4111 1111 1111 1111')).toBe(true);
    expect(containsCardNumber('99 4111-1111-1111-1111')).toBe(true);
  });

  it('masks e-mail addresses, phone numbers and key-like tokens; keeps ordinary text, dates and small numbers', () => {
    const cases: [string, string][] = [
      ['write to Jane.Doe+rag@mail.example.co.uk today', `write to ${REDACTED.email} today`],
      ['call +44 20 7946 0958 or (555) 123-4567', `call ${REDACTED.phone} or ${REDACTED.phone}`],
      ['phone 555.123.4567', `phone ${REDACTED.phone}`],
      ['key sk-proj-abcdefghijklmnopqrstuvwxyz0123 leaked', `key ${REDACTED.secret} leaked`],
      ['ghp_0123456789abcdefghijABCDEFGHIJ012345', REDACTED.secret],
      ['AKIAIOSFODNN7EXAMPLE is an AWS key id', `${REDACTED.secret} is an AWS key id`],
      ['Authorization: Bearer abcdefghijklmnop1234', `Authorization: ${REDACTED.secret}`],
      ['jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sig-nature_x', `jwt ${REDACTED.secret}`],
      ['digest 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', `digest ${REDACTED.secret}`],
      ['Token abcdefghijklmnopqrstu', REDACTED.secret],
      ['the release on 2024-05-17 used k = 60 and top-10 of 100 candidates', 'the release on 2024-05-17 used k = 60 and top-10 of 100 candidates'],
      ['How do multi-window burn-rate alerts work?', 'How do multi-window burn-rate alerts work?'],
    ];
    for (const [input, expected] of cases) expect(redactPii(input)).toBe(expected);
  });

  it('never throws and never grows text by more than its placeholders', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
        const out = redactPii(s);
        expect(typeof out).toBe('string');
        expect(out.length).toBeLessThanOrEqual(s.length + 8 * (s.length + 1));
      }),
    );
  });

  it('is idempotent: redacting twice changes nothing more', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), cardNumber, (s, card) => {
        const once = redactPii(`${s} ${card} x@y.io ${s}`);
        expect(redactPii(once)).toBe(once);
      }),
    );
  });
});
