import type { SourceDocument } from '@ragops/contracts';
import { loadDocuments } from './document.loader.js';
import type { GatewayClient, QueryAnswer } from './gateway.client.js';

/** Documents per POST: well under the gateway's 1,000-document and body limits. */
const REQUEST_DOCS = 500;

/** Sends every document under `path` and waits until all jobs finish; returns a one-line summary. */
export async function ingestPath(client: GatewayClient, path: string): Promise<string> {
  const started = Date.now();
  const jobIds: string[] = [];
  let sent = 0;
  for await (const batch of loadDocuments(path, REQUEST_DOCS)) {
    jobIds.push((await client.submit(batch as SourceDocument[])).jobId);
    sent += batch.length;
  }
  let indexed = 0;
  let unchanged = 0;
  let failed = 0;
  let chunks = 0;
  const errors: string[] = [];
  for (const id of jobIds) {
    const view = await client.waitForJob(id);
    indexed += view.documents.indexed;
    unchanged += view.documents.unchanged;
    failed += view.documents.failed;
    chunks += view.chunks;
    errors.push(...view.errors.map((e) => `${e.docId}: ${e.message}`));
  }
  const secs = (Date.now() - started) / 1000;
  const lines = [`${sent} documents in ${jobIds.length} job(s): ${indexed} indexed, ${unchanged} unchanged, ${failed} failed, ${chunks} chunks, ${secs.toFixed(1)} s`];
  if (errors.length) lines.push(...errors.slice(0, 20).map((e) => `  ${e}`));
  return lines.join('\n');
}

export function printAnswer(a: QueryAnswer): string {
  const cites = a.citations.map((c) => `  [${c.n}] ${c.docId} (${c.chunkId})`);
  return [a.answer, '', ...(cites.length ? ['Sources:', ...cites] : []), `variant ${a.variant.id} · ${Math.round(a.timings.totalMs ?? 0)} ms`].join('\n');
}

export function printHits(hits: { docId: string; chunkId: string; score: number; text: string }[]): string {
  if (!hits.length) return 'no results';
  return hits.map((h, i) => `${i + 1}. ${h.docId} (${h.chunkId}) score ${h.score.toFixed(4)}\n   ${h.text.replace(/\s+/g, ' ').slice(0, 200)}`).join('\n');
}
