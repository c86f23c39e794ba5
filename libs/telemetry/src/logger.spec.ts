import { describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import { createLogger } from './logger.js';

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
});
