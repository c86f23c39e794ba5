import { createHash } from 'node:crypto';
import { redactPii } from './pii.redaction.js';

/**
 * How user content (query and answer text) may appear in logs and span attributes (LOG_CONTENT):
 * - `off` (default): never;
 * - `hash`: as `sha256:<hex>` — lets an operator count and correlate repeated queries without reading them. A hash of
 *   short text can be reversed by guessing, so this is pseudonymisation, not anonymisation;
 * - `redacted`: the text with e-mail addresses, card numbers, phone numbers and key-like tokens masked (redactPii).
 */
export const LOG_CONTENT_MODES = ['off', 'hash', 'redacted'] as const;
export type LogContentMode = (typeof LOG_CONTENT_MODES)[number];

/** Longest redacted text kept; a log line is not the place for a whole answer. */
export const MAX_LOGGED_CONTENT_CHARS = 2000;

export class ContentPolicy {
  constructor(readonly mode: LogContentMode = 'off') {}

  /** What may be written for `text` under this policy; undefined means: write nothing. */
  render(text: string | undefined): string | undefined {
    if (text === undefined) return undefined;
    switch (this.mode) {
      case 'off':
        return undefined;
      case 'hash':
        return `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
      case 'redacted': {
        const redacted = redactPii(text);
        return redacted.length > MAX_LOGGED_CONTENT_CHARS ? `${redacted.slice(0, MAX_LOGGED_CONTENT_CHARS)}…` : redacted;
      }
    }
  }
}
