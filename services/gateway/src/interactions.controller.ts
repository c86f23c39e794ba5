import { PassThrough } from 'node:stream';
import { Controller, Get, Inject, type OnModuleDestroy, Query, Req, Res } from '@nestjs/common';
import { type InteractionRecord, parseOrThrow } from '@ragops/contracts';
import type { RecordFeed } from '@ragops/rag';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { INTERACTION_FEED } from './gateway.tokens.js';

const TailQuery = z.strictObject({
  tenant: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'tenant is 1-64 characters of [a-zA-Z0-9_-]').optional(),
  /** Replay buffered records from this time (epoch ms) before following new ones. */
  since: z.coerce.number({ error: 'since must be epoch milliseconds' }).int('since must be epoch milliseconds').nonnegative('since must be epoch milliseconds').optional(),
  /** End the response after this many records. */
  limit: z.coerce.number({ error: 'limit must be a number' }).int('limit must be a whole number').min(1, 'limit must be at least 1').max(1_000_000, 'limit must be at most 1000000').optional(),
});

/**
 * `GET /v1/interactions/tail`: interaction records as they are published, one JSON object per line (NDJSON), for
 * `ragops interactions tail --url` against the all-in-one process. Mounted only where the process holds the records
 * in memory (all-in-one); a distributed deployment is tailed on its JetStream stream (`--nats`), so this endpoint
 * never exposes a production stream over the public API. Records are stored as INTERACTION_CONTENT says (redacted by
 * default), and that is exactly what is streamed.
 */
@Controller('v1')
export class InteractionsController implements OnModuleDestroy {
  private readonly open = new Set<() => void>();

  constructor(@Inject(INTERACTION_FEED) private readonly feed: RecordFeed<InteractionRecord>) {}

  @Get('interactions/tail')
  tail(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query() query: unknown): void {
    const q = parseOrThrow(TailQuery, query, 'tail query');
    const body = new PassThrough();
    let sent = 0;
    let ended = false;
    // Replayed records arrive inside subscribe(), before it returns the unsubscribe function.
    let unsubscribe: (() => void) | undefined = undefined;
    const end = () => {
      if (ended) return;
      ended = true;
      unsubscribe?.();
      this.open.delete(end);
      body.end();
    };
    unsubscribe = this.feed.subscribe(
      (record) => {
        if (ended) return;
        body.write(`${JSON.stringify(record)}\n`);
        if (q.limit !== undefined && ++sent >= q.limit) end();
      },
      { ...(q.tenant ? { tenant: q.tenant } : {}), ...(q.since !== undefined ? { since: q.since } : {}) },
    );
    if (ended) unsubscribe();
    else this.open.add(end);
    req.raw.once('close', end);
    void reply.header('content-type', 'application/x-ndjson; charset=utf-8').header('cache-control', 'no-store').send(body);
  }

  /** Ends every open tail, so closing the app does not wait for followers that never hang up. */
  onModuleDestroy(): void {
    for (const end of [...this.open]) end();
  }
}
