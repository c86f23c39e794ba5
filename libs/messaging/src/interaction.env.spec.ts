import { describe, expect, it } from '@jest/globals';
import { AppError, loadConfig } from '@ragops/contracts';
import { feedbackStreamLimits, InteractionEnv, interactionStreamLimits } from './interaction.env.js';

const load = (env: Record<string, string>) => loadConfig(InteractionEnv, env, 'test');

describe('InteractionEnv', () => {
  it('defaults: on, redacted, 1 GiB / 7 days of interactions, 256 MiB / 90 days of feedback', () => {
    const c = load({});
    expect(c).toMatchObject({ INTERACTIONS: 'on', INTERACTION_CONTENT: 'redacted', INTERACTIONS_QUEUE_SIZE: 1000, INTERACTIONS_BUFFER: 1000 });
    expect(interactionStreamLimits(c)).toEqual({ maxBytes: 1024 ** 3, maxAgeMs: 7 * 86_400_000, maxMsgs: -1, replicas: 1 });
    expect(feedbackStreamLimits(c)).toEqual({ maxBytes: 256 * 1024 ** 2, maxAgeMs: 90 * 86_400_000, replicas: 1 });
  });

  it('reads sizes with units and durations', () => {
    const c = load({ INTERACTIONS_MAX_BYTES: '512MiB', INTERACTIONS_MAX_AGE: '36h', FEEDBACK_MAX_BYTES: '2.5 GB', FEEDBACK_MAX_AGE: '90s', INTERACTIONS_MAX_MSGS: '5000', INTERACTIONS_REPLICAS: '3' });
    expect(interactionStreamLimits(c)).toEqual({ maxBytes: 512 * 1024 ** 2, maxAgeMs: 36 * 3_600_000, maxMsgs: 5000, replicas: 3 });
    expect(feedbackStreamLimits(c)).toEqual({ maxBytes: 2_500_000_000, maxAgeMs: 90_000, replicas: 3 });
    expect(load({ INTERACTIONS_MAX_BYTES: '65536' }).INTERACTIONS_MAX_BYTES).toBe(65536);
    expect(load({ INTERACTIONS_MAX_AGE: '1500ms' }).INTERACTIONS_MAX_AGE).toBe(1500);
  });

  it('names every bad key at once', () => {
    let caught: unknown;
    try {
      load({
        INTERACTIONS: 'maybe',
        INTERACTION_CONTENT: 'raw',
        INTERACTIONS_MAX_BYTES: 'lots',
        INTERACTIONS_MAX_AGE: '7',
        INTERACTIONS_MAX_MSGS: '-2',
        INTERACTIONS_REPLICAS: '2',
        FEEDBACK_MAX_BYTES: '10', // below the 1 KiB floor
        FEEDBACK_MAX_AGE: '1y',
        INTERACTIONS_QUEUE_SIZE: '0',
      });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(AppError);
    const message = (caught as AppError).message;
    for (const key of ['INTERACTIONS=', 'INTERACTION_CONTENT=', 'INTERACTIONS_MAX_BYTES=', 'INTERACTIONS_MAX_AGE=', 'INTERACTIONS_MAX_MSGS=', 'INTERACTIONS_REPLICAS=', 'FEEDBACK_MAX_BYTES=', 'FEEDBACK_MAX_AGE=', 'INTERACTIONS_QUEUE_SIZE=']) {
      expect(message).toContain(key);
    }
  });
});
