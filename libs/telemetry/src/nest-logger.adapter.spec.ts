import { describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import { createLogger } from './logger.js';
import { PinoNestLogger } from './nest-logger.adapter.js';

describe('PinoNestLogger', () => {
  it('writes Nest messages as JSON lines with service, level, context and trace', () => {
    const lines: string[] = [];
    const destination = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const nest = new PinoNestLogger(createLogger({ service: 'retrieval', level: 'debug', destination }));
    nest.log('Nest microservice successfully started', 'NestMicroservice');
    nest.error('handler failed', 'Error: boom\n    at x', 'RpcExceptionsHandler');
    const [info, error] = lines.map((l) => JSON.parse(l));
    expect(info).toMatchObject({ level: 30, service: 'retrieval', context: 'NestMicroservice', msg: 'Nest microservice successfully started' });
    expect(error).toMatchObject({ level: 50, context: 'RpcExceptionsHandler', trace: 'Error: boom\n    at x', msg: 'handler failed' });
  });
});
