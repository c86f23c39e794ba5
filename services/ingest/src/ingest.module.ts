import { type DynamicModule, Module } from '@nestjs/common';
import { healthHandler } from '@ragops/messaging';
import type { IngestJobRunner, JobQueue } from '@ragops/rag';
import { INGEST_QUEUE, INGEST_RUNNER } from './ingest.tokens.js';
import { IngestWorker } from './ingest.worker.js';

export interface IngestDeps {
  queue: JobQueue;
  runner: IngestJobRunner;
}

/** Durable document intake: consumes ingest batches from the queue (JetStream, or in memory all-in-one). */
@Module({})
export class IngestModule {
  static register(deps: IngestDeps): DynamicModule {
    return {
      module: IngestModule,
      controllers: [healthHandler('ingest', async () => ({ pending: await deps.queue.pending() }))],
      providers: [
        { provide: INGEST_QUEUE, useValue: deps.queue },
        { provide: INGEST_RUNNER, useValue: deps.runner },
        IngestWorker,
      ],
    };
  }
}
