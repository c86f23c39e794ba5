/**
 * Masks personal data and secrets in free text (queries, answers) before it may be logged with LOG_CONTENT=redacted.
 * Heuristic by nature, so it leans towards masking too much: a masked date costs little, a leaked card number a lot.
 *
 * Order matters: secrets first (a key may contain digit runs or an @), then e-mail addresses, then card numbers
 * (Luhn-checked), then phone numbers (whatever digit groups are left).
 */
export const REDACTED = { secret: '[SECRET]', email: '[EMAIL]', card: '[CARD]', phone: '[PHONE]' } as const;

// Known key formats (OpenAI/Anthropic sk-…, Stripe sk_live_…/pk_…, GitHub ghp_…/github_pat_…, Slack xox?-…, AWS AKIA…,
// Google AIza…, GitLab glpat-…, Hugging Face hf_…), bearer tokens, JWTs, and any long mixed letter/digit token.
const SECRET_PATTERNS: RegExp[] = [
  /\b(?:sk|pk|rk)[-_](?:live_|test_|proj-|ant-)?[A-Za-z0-9_-]{16,}/g,
  /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}|\bgithub_pat_[A-Za-z0-9_]{20,}/g,
  /\bxox[abposr]-[A-Za-z0-9-]{10,}/g,
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g,
  /\bAIza[0-9A-Za-z_-]{30,}/g,
  /\bglpat-[A-Za-z0-9_-]{20,}/g,
  /\bhf_[A-Za-z0-9]{20,}/g,
  /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g,
  /\b(?:Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{16,}/gi,
];
/**
 * A run of 32+ token characters with both letters and digits: how generated keys look, and words never do. The
 * lookbehind makes the scan start only where a run starts, so it stays linear in the text's length.
 */
const LONG_TOKEN = /(?<![A-Za-z0-9_+/=-])[A-Za-z0-9_+/=-]{32,}/g;

// The local part is at most 64 characters (RFC 5321) and starts where a run of its characters starts (lookbehind), so
// the scan is linear.
const EMAIL = /(?<![A-Za-z0-9.!#$%&'*+/=?^_`{|}~-])[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+/g;

/** Digits, optionally grouped by single spaces or hyphens, as card numbers are written. */
const DIGIT_RUN = /\d(?:[ -]?\d)*/g;

/** A phone-like sequence: optional + or (area), then digits in groups separated by space, dot, hyphen or parentheses. */
const PHONE = /(?:\+|\()?\b\d[\d().\s-]{5,22}\d\b/g;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function redactPii(text: string): string {
  let out = text;
  for (const pattern of SECRET_PATTERNS) out = out.replace(pattern, REDACTED.secret);
  out = out.replace(LONG_TOKEN, (token) => (/[A-Za-z]/.test(token) && /\d/.test(token) ? REDACTED.secret : token));
  // Most text has no @ and many answers no digit: skip those passes (this runs on every interaction record too).
  if (out.includes('@')) out = out.replace(EMAIL, REDACTED.email);
  if (!/\d/.test(out)) return out;
  out = out.replace(DIGIT_RUN, (run) => (run.length >= 13 && containsCardNumber(run) ? REDACTED.card : run));
  out = out.replace(PHONE, (candidate) => (looksLikePhone(candidate) ? REDACTED.phone : candidate));
  return out;
}

/**
 * True when `run` (digits, optionally grouped by single spaces or hyphens) holds a card number: the whole run when it
 * has 13–19 digits and passes the Luhn check; any 13–19 digit span of whole groups (`12 4111 1111 1111 1111`); and,
 * in a run of more than 19 digits, any 13–19 digit window at all — no identifier people write is that long, so
 * masking it is the safe side. A card number glued to other digits into one 13–19 digit number is a different number
 * and is judged by its own check digit, which is what keeps ordinary 16-digit ids from being masked 60 % of the time.
 */
export function containsCardNumber(run: string): boolean {
  const groups = run.split(/[ -]/);
  const digits = groups.join('');
  if (digits.length < 13) return false;
  if (digits.length <= 19 && luhnValid(digits)) return true;
  for (let i = 0; i < groups.length; i++) {
    let len = 0;
    for (let j = i; j < groups.length && len < 19; j++) {
      len += groups[j]!.length;
      const start = groups.slice(0, i).reduce((n, g) => n + g.length, 0);
      if (len >= 13 && len <= 19 && !(i === 0 && j === groups.length - 1) && luhnValid(digits, start, len)) return true;
    }
  }
  if (digits.length > 19) {
    for (let len = 13; len <= 19; len++) {
      for (let start = 0; start + len <= digits.length; start++) if (luhnValid(digits, start, len)) return true;
    }
  }
  return false;
}

/** The Luhn (mod 10) check over `digits[start, start + len)`. */
export function luhnValid(digits: string, start = 0, len = digits.length - start): boolean {
  let sum = 0;
  for (let i = 0; i < len; i++) {
    let d = digits.charCodeAt(start + len - 1 - i) - 48;
    if (d < 0 || d > 9) return false;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return len > 0 && sum % 10 === 0;
}

function looksLikePhone(candidate: string): boolean {
  const digits = candidate.replace(/\D/g, '').length;
  // E.164 numbers have at most 15 digits; fewer than 7 are extensions, years, counts.
  if (digits < 7 || digits > 15) return false;
  if (ISO_DATE.test(candidate)) return false;
  const grouped = /[\s().-]/.test(candidate);
  return candidate.startsWith('+') || candidate.startsWith('(') || (grouped && /\d[\s.-]\d/.test(candidate)) || digits >= 10;
}
