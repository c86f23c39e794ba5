import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ContentPolicy, MAX_LOGGED_CONTENT_CHARS } from './content.policy.js';

const secret = 'my card is 4111 1111 1111 1111, mail jane@example.com';

describe('ContentPolicy', () => {
  it('off (the default) renders nothing, for any text', () => {
    fc.assert(fc.property(fc.string(), (s) => expect(new ContentPolicy().render(s)).toBeUndefined()));
    expect(new ContentPolicy('off').render(secret)).toBeUndefined();
  });

  it('hash renders sha256 of the UTF-8 text, never the text', () => {
    const out = new ContentPolicy('hash').render(secret);
    expect(out).toBe(`sha256:${createHash('sha256').update(secret).digest('hex')}`);
    expect(out).not.toContain('jane');
    expect(new ContentPolicy('hash').render('é')).toBe(`sha256:${createHash('sha256').update(Buffer.from('é', 'utf8')).digest('hex')}`);
  });

  it('redacted masks personal data and caps the length', () => {
    const out = new ContentPolicy('redacted').render(secret)!;
    expect(out).toBe('my card is [CARD], mail [EMAIL]');
    expect(new ContentPolicy('redacted').render('x'.repeat(5000))!.length).toBe(MAX_LOGGED_CONTENT_CHARS + 1);
  });

  it('renders undefined as undefined in every mode', () => {
    for (const mode of ['off', 'hash', 'redacted'] as const) expect(new ContentPolicy(mode).render(undefined)).toBeUndefined();
  });
});
