import 'reflect-metadata';
import { Command, InvalidArgumentError } from 'commander';
import { AppError } from '@ragops/contracts';
import { ingestPath, printAnswer, printHits } from './cli.commands.js';
import { registerEvalCommands } from './eval/eval.commands.js';
import { GatewayClient } from './gateway.client.js';
import { registerInteractionsCommands } from './interactions.commands.js';
import { startAllInOne } from './platform/all-in-one.platform.js';

const program = new Command('ragops').description('RAG platform: all-in-one server and client commands').showHelpAfterError();
const DEFAULT_URL = process.env.RAGOPS_URL ?? 'http://127.0.0.1:8080';

const int = (name: string, min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}`);
  return n;
};

program
  .command('start')
  .description('run every service in this process (in-memory index, local embedder, extractive answers)')
  .option('-p, --port <port>', 'HTTP port of the gateway', int('port', 0, 65535), Number(process.env.PORT ?? 8080))
  .option('--host <host>', 'address to listen on', process.env.HOST ?? '127.0.0.1')
  .option('--data-dir <dir>', 'where the index snapshot is kept (RAGOPS_DATA_DIR)')
  .option('--no-sample', 'do not ingest the bundled sample corpus on first start')
  .option('--eval-port <port>', 'port of the online evaluation /metrics listener (0: any free port)', int('eval-port', 0, 65535), Number(process.env.METRICS_PORT ?? 9464))
  .action(async (opts: { port: number; host: string; dataDir?: string; sample: boolean; evalPort: number }) => {
    const env = { ...process.env };
    if (opts.dataDir) env.RAGOPS_DATA_DIR = opts.dataDir;
    if (!opts.sample) env.RAGOPS_SAMPLE_CORPUS = 'none';
    const platform = await startAllInOne({ env, port: opts.port, host: opts.host, evaluationPort: opts.evalPort });
    console.log(`ragops all-in-one listening on ${platform.url}`);
    if (platform.interactions) console.log(`online evaluation metrics on ${platform.interactions.evaluationUrl}/metrics; follow records with: ragops interactions tail`);
    const stop = async () => {
      await platform.close();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (platform.firstStart && platform.sampleCorpus) {
      const summary = await ingestPath(new GatewayClient(platform.url), platform.sampleCorpus);
      console.log(`ingested the sample corpus: ${summary}`);
    }
    console.log(`try: curl -s ${platform.url}/v1/query -H 'content-type: application/json' -d '{"query":"What value of k do we use for reciprocal rank fusion?"}'`);
  });

program
  .command('ingest <path>')
  .description('send a file, a directory (.md/.html/.txt) or a BEIR corpus.jsonl to a gateway and wait for indexing')
  .option('-u, --url <url>', 'gateway URL', DEFAULT_URL)
  .option('-t, --tenant <tenant>', 'tenant (x-ragops-tenant)')
  .action(async (path: string, opts: { url: string; tenant?: string }) => {
    console.log(await ingestPath(new GatewayClient(opts.url, opts.tenant), path));
  });

program
  .command('query <question>')
  .description('ask a question; prints the answer with its citations')
  .option('-u, --url <url>', 'gateway URL', DEFAULT_URL)
  .option('-t, --tenant <tenant>', 'tenant (x-ragops-tenant)')
  .option('-k, --top-k <n>', 'chunks to retrieve', int('top-k', 1, 200))
  .option('--json', 'print the raw JSON response')
  .action(async (question: string, opts: { url: string; tenant?: string; topK?: number; json?: boolean }) => {
    const answer = await new GatewayClient(opts.url, opts.tenant).query(question, opts.topK);
    console.log(opts.json ? JSON.stringify(answer, null, 2) : printAnswer(answer));
  });

program
  .command('search <query>')
  .description('hybrid search; prints the best chunks')
  .option('-u, --url <url>', 'gateway URL', DEFAULT_URL)
  .option('-t, --tenant <tenant>', 'tenant (x-ragops-tenant)')
  .option('-k, --top-k <n>', 'chunks to return', int('top-k', 1, 200), 5)
  .option('--json', 'print the raw JSON response')
  .action(async (query: string, opts: { url: string; tenant?: string; topK: number; json?: boolean }) => {
    const result = await new GatewayClient(opts.url, opts.tenant).search(query, opts.topK);
    console.log(opts.json ? JSON.stringify(result, null, 2) : printHits(result.hits));
  });

registerEvalCommands(program);
registerInteractionsCommands(program, DEFAULT_URL);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  const e = err instanceof AppError ? err : AppError.fromWire(err);
  console.error(`ragops: ${e.message} (${e.code})`);
  process.exit(e.code === 'UNAVAILABLE' ? 69 : 1);
}
