import { type BeforeApplicationShutdown, Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { ConsumerHandle, IngestJobRunner, JobQueue } from '@ragops/rag';
import { INGEST_QUEUE, INGEST_RUNNER } from './ingest.tokens.js';

/**
 * Binds the durable queue to the job runner for the application's lifetime. Shutdown drains: in-flight batches
 * finish and are acked before the process exits; anything not acked is redelivered to another replica.
 */
@Injectable()
export class IngestWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private handle?: ConsumerHandle;

  constructor(
    @Inject(INGEST_QUEUE) private readonly queue: JobQueue,
    @Inject(INGEST_RUNNER) private readonly runner: IngestJobRunner,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.handle = await this.queue.consume((batch, attempt) => this.runner.handle(batch, attempt));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.handle?.stop();
    this.handle = undefined;
  }
}
