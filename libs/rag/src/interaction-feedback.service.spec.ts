import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { AppError, FeedbackBody, type FeedbackRecord, FeedbackRecord as FeedbackRecordSchema, ManualClock, parseOrThrow } from '@ragops/contracts';
import { FeedbackService } from './interaction-feedback.service.js';

const sha = (s: string) => `sha256:${createHash('sha256').update(s, 'utf8').digest('hex')}`;

function service(content: 'full' | 'redacted' | 'hash', publish?: (r: FeedbackRecord) => Promise<void>) {
  const stored: FeedbackRecord[] = [];
  let n = 0;
  const s = new FeedbackService({
    sink: { publish: publish ?? (async (r) => void stored.push(r)) },
    content,
    redact: (t) => t.replace(/@\S+/g, '@[EMAIL]'),
    clock: new ManualClock(7),
    newId: () => `fb-${++n}`,
    variantOf: (tenant, requestId) => (tenant === 'acme' && requestId === 'r1' ? 'canary' : undefined),
  });
  return { s, stored };
}

describe('FeedbackService', () => {
  it('stores a thumbs up as score 1 with the variant that served the request, the comment redacted', async () => {
    const { s, stored } = service('redacted');
    const record = await s.submit({ requestId: 'r1', rating: 'up', comment: 'great, mail me at a@b.io' }, 'acme');
    expect(stored).toEqual([record]);
    expect(parseOrThrow(FeedbackRecordSchema, record, 'feedback')).toEqual(record);
    expect(record).toEqual({
      schemaVersion: 1,
      feedbackId: 'fb-1',
      requestId: 'r1',
      tenant: 'acme',
      timestamp: 7,
      variant: 'canary',
      rating: 'up',
      score: 1,
      content: 'redacted',
      comment: { text: 'great, mail me at a@[EMAIL]', hash: sha('great, mail me at a@b.io') },
    });
  });

  it('a thumbs down is 0; a score is kept; an unknown request has no variant; hash mode keeps no comment text', async () => {
    const { s } = service('hash');
    expect(await s.submit({ requestId: 'r9', rating: 'down' }, 'acme')).toMatchObject({ score: 0, rating: 'down' });
    const scored = await s.submit({ requestId: 'r9', score: 0.25, comment: 'meh' }, 'acme');
    expect(scored).toMatchObject({ score: 0.25, comment: { hash: sha('meh') } });
    expect(scored.variant).toBeUndefined();
    expect(scored.comment?.text).toBeUndefined();
    expect(scored.rating).toBeUndefined();
  });

  it('a sink failure is UNAVAILABLE for the client (the AppError itself when the sink threw one)', async () => {
    await expect(service('full', () => Promise.reject(new Error('socket closed'))).s.submit({ requestId: 'r1', rating: 'up' }, 'acme')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(service('full', () => Promise.reject(new AppError('PAYLOAD_TOO_LARGE', 'big'))).s.submit({ requestId: 'r1', rating: 'up' }, 'acme')).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });
});

describe('FeedbackBody', () => {
  const bad = (body: unknown) => {
    const r = FeedbackBody.safeParse(body);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  };

  it('takes exactly one of rating and score', () => {
    expect(bad({ requestId: 'r1', rating: 'up' })).toEqual([]);
    expect(bad({ requestId: 'r1', score: 0 })).toEqual([]);
    expect(bad({ requestId: 'r1', score: 1, comment: '' })).toEqual([]);
    expect(bad({ requestId: 'r1' })).toEqual(['(root): give exactly one of rating (up|down) or score (0..1)']);
    expect(bad({ requestId: 'r1', rating: 'up', score: 1 })).toEqual(['(root): give exactly one of rating (up|down) or score (0..1)']);
  });

  it('names each bad field', () => {
    expect(bad({ requestId: 'has space', rating: 'meh', score: 2, comment: 'x'.repeat(2001), extra: 1 }).map((m) => m.split(':')[0])).toEqual(
      expect.arrayContaining(['requestId', 'rating', 'score', 'comment', '(root)']),
    );
    expect(bad({ requestId: 'r1', score: Number.NaN })).toHaveLength(1);
    expect(bad({ requestId: 'r1', score: '0.5' })).toHaveLength(1);
    expect(bad({ requestId: '', rating: 'up' })).toHaveLength(1);
    expect(bad({ requestId: 'x'.repeat(129), rating: 'up' })).toHaveLength(1);
  });
});
