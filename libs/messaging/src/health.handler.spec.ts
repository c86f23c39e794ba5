import { afterEach, describe, expect, it } from '@jest/globals';
import { type INestMicroservice, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppError, HealthReply, Subjects } from '@ragops/contracts';
import { healthHandler } from './health.handler.js';
import { InProcessBus } from './in-process.bus.js';
import { InProcessServer } from './in-process.server.js';

describe('healthHandler', () => {
  let app: INestMicroservice | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function serve(controllers: unknown[]): Promise<InProcessBus> {
    const bus = new InProcessBus({ error: () => {} });
    @Module({ controllers: controllers as never[] })
    class HealthModule {}
    app = await NestFactory.createMicroservice(HealthModule, { strategy: new InProcessServer(bus), logger: false });
    await app.listen();
    return bus;
  }

  it("answers the service's health subject with its details", async () => {
    const bus = await serve([healthHandler('ingest', async () => ({ pending: 3 })), healthHandler('generation')]);
    expect(HealthReply.parse(await bus.request(Subjects.health('ingest'), {}, 1000))).toEqual({ service: 'ingest', ok: true, details: { pending: 3 } });
    expect(await bus.request(Subjects.health('generation'), {}, 1000)).toEqual({ service: 'generation', ok: true });
  });

  it('reports ok: false with the error code when the details cannot be read', async () => {
    const bus = await serve([
      healthHandler('ingest', async () => {
        throw new AppError('UNAVAILABLE', 'JetStream unreachable');
      }),
      healthHandler('embedding', async () => {
        throw new Error('internal detail');
      }),
    ]);
    expect(await bus.request(Subjects.health('ingest'), {}, 1000)).toEqual({
      service: 'ingest',
      ok: false,
      details: { error: { code: 'UNAVAILABLE', message: 'JetStream unreachable' } },
    });
    expect(await bus.request(Subjects.health('embedding'), {}, 1000)).toEqual({ service: 'embedding', ok: false, details: { error: { code: 'INTERNAL' } } });
  });

  it('gives each service its own controller class name', () => {
    expect(healthHandler('retrieval').name).toBe('RetrievalHealthHandler');
  });
});
