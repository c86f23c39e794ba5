import { type Command, InvalidArgumentError } from 'commander';
import { AppError } from '@ragops/contracts';
import { formatInteraction, parseSince } from './interactions.format.js';
import { tailRecords } from './interactions.tail.js';

const TENANT = /^[a-zA-Z0-9_-]{1,64}$/;

/** `ragops interactions tail`: follow interaction records live (all-in-one over HTTP, distributed over NATS). */
export function registerInteractionsCommands(program: Command, defaultUrl: string): void {
  const group = program.command('interactions').description('interaction records: one per answered query');
  group
    .command('tail')
    .description('print interaction records as they are published (Ctrl-C to stop)')
    .option('-u, --url <url>', 'all-in-one gateway URL (GET /v1/interactions/tail)', defaultUrl)
    .option('--nats <url>', 'follow the RAGOPS_INTERACTIONS stream on this NATS server instead (distributed mode)')
    .option('-t, --tenant <tenant>', 'only this tenant', (v: string) => {
      if (!TENANT.test(v)) throw new InvalidArgumentError('tenant is 1-64 characters of [a-zA-Z0-9_-]');
      return v;
    })
    .option('--since <when>', 'start with records since an ISO time, epoch ms, or a duration ago (10m, 2h); default: new records only', (v: string) => {
      const t = parseSince(v, Date.now());
      if (t === undefined) throw new InvalidArgumentError('--since takes an ISO time, epoch milliseconds or a duration like 90s, 10m, 2h, 1d');
      return t;
    })
    .option('-n, --limit <n>', 'exit after n records', (v: string) => {
      const n = Number(v);
      if (!/^\d+$/.test(v) || n < 1) throw new InvalidArgumentError('--limit must be a whole number ≥ 1');
      return n;
    })
    .option('--json', 'print each record as one line of JSON')
    .action(async (opts: { url: string; nats?: string; tenant?: string; since?: number; limit?: number; json?: boolean }) => {
      const abort = new AbortController();
      const stop = () => abort.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        for await (const record of tailRecords({ ...opts, signal: abort.signal })) {
          process.stdout.write(`${opts.json ? JSON.stringify(record) : formatInteraction(record)}\n`);
        }
      } catch (err) {
        if (abort.signal.aborted) return;
        throw err instanceof AppError ? err : AppError.fromWire(err);
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
}
