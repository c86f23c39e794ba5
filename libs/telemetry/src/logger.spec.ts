import { describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import { withLogFields } from './log.context.js';
import { createLogger } from './logger.js';
import { startInMemoryTracing } from './tracing.sdk.js';
import { inSpan } from './tracing.spans.js';

function sink() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { lines, stream };
}

describe('createLogger', () => {
  it('writes JSON lines stamped with the service, honouring the level', () => {
    const { lines, stream } = sink();
    const log = createLogger({ service: 'gateway', level: 'info', destination: stream });
    log.debug('hidden');
    log.info({ requestId: 'r1' }, 'served');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 30, service: 'gateway', requestId: 'r1', msg: 'served' });
  });

  it('keeps an error and its cause under err', () => {
    const { lines, stream } = sink();
    const log = createLogger({ service: 'gateway', level: 'error', destination: stream });
    log.error({ err: new Error('outer', { cause: new Error('inner') }) }, 'failed');
    const err = lines[0].err as { message: string; stack: string };
    expect(err.message).toContain('outer');
    expect(err.stack).toContain('inner');
  });

  it('writes nothing when silent', () => {
    const { lines, stream } = sink();
    createLogger({ service: 'gateway', level: 'silent', destination: stream }).fatal('x');
    expect(lines).toHaveLength(0);
  });

  it('stamps tenant, variant and request id of the request being handled, and nothing outside it', async () => {
    const { lines, stream } = sink();
    const log = createLogger({ service: 'retrieval', level: 'info', destination: stream });
    log.info('before');
    await withLogFields({ requestId: 'r9', tenant: 'acme', variant: 'canary' }, async () => {
      await Promise.resolve();
      log.info('inside');
      log.info({ tenant: 'explicit' }, 'call-site wins');
    });
    log.info('after');
    expect(lines.map((l) => [l.msg, l.tenant, l.variant, l.requestId])).toEqual([
      ['before', undefined, undefined, undefined],
      ['inside', 'acme', 'canary', 'r9'],
      ['call-site wins', 'explicit', 'canary', 'r9'],
      ['after', undefined, undefined, undefined],
    ]);
    expect(lines.every((l) => !('trace_id' in l))).toBe(true);
  });

  it('stamps trace_id, span_id and trace_flags of the active span when tracing is on', async () => {
    const tracing = await startInMemoryTracing();
    try {
      const { lines, stream } = sink();
      const log = createLogger({ service: 'gateway', level: 'info', destination: stream });
      let ids: { traceId: string; spanId: string } | undefined;
      await inSpan('work', {}, async (span) => {
        ids = span.spanContext();
        log.info('in span');
      });
      log.info('no span');
      expect(lines[0]).toMatchObject({ msg: 'in span', trace_id: ids!.traceId, span_id: ids!.spanId, trace_flags: '01' });
      expect(lines[1]).not.toHaveProperty('trace_id');
    } finally {
      await tracing.shutdown();
    }
  });
});
