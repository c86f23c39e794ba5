import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HubDoubleFault {
  /** Answer every request with this status. */
  status?: number;
  /** Never answer. */
  hang?: boolean;
  /** Send the headers and half of a file's body, then destroy the socket. */
  truncateBody?: boolean;
}

export interface HubDoubleOptions {
  /** `owner/name` → revision → file name → contents. */
  repos: Record<string, Record<string, Record<string, Uint8Array>>>;
  /** When set, requests must carry `Authorization: Bearer <token>` (else 401, as for a gated model). */
  token?: string;
}

/**
 * The part of the Hugging Face Hub protocol `@huggingface/hub`'s `downloadFile` uses for a plain (non-Xet) file:
 * `GET /<repo>/resolve/<revision>/<path>` answered as the Hub does — a `Range: bytes=0-0` probe gets 206 with
 * `Content-Range` and `ETag`, a full GET gets the bytes; a missing file is 404 with `X-Error-Code: EntryNotFound`.
 * (Behaviour taken from the client's source, @huggingface/hub 2.x `fileDownloadInfo`/`WebBlob`, and
 * https://huggingface.co/docs/hub/api.)
 */
export class HubDoubleServer {
  readonly requests: Array<{ method: string; url: string; range?: string; authorization?: string }> = [];
  fault: HubDoubleFault | undefined;
  private readonly server: Server;

  private constructor(private readonly options: HubDoubleOptions) {
    this.server = createServer((req, res) => this.handle(req, res));
  }

  static async start(options: HubDoubleOptions): Promise<HubDoubleServer> {
    const double = new HubDoubleServer(options);
    await new Promise<void>((resolve, reject) => {
      double.server.once('error', reject);
      double.server.listen(0, '127.0.0.1', () => resolve());
    });
    return double;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Requests that fetched file bytes (not the 1-byte probes). */
  get downloads(): number {
    return this.requests.filter((r) => r.method === 'GET' && r.range !== 'bytes=0-0').length;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    this.requests.push({ method: req.method ?? '', url, range: req.headers.range, authorization: req.headers.authorization });
    const fault = this.fault;
    if (fault?.hang) return;
    if (fault?.status) return void res.writeHead(fault.status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'injected' }));
    if (this.options.token && req.headers.authorization !== `Bearer ${this.options.token}`) {
      return void res.writeHead(401, { 'content-type': 'application/json', 'x-error-code': 'GatedRepo' }).end(JSON.stringify({ error: 'Access to model is restricted' }));
    }
    const match = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.split('?')[0]!);
    const repo = match ? this.options.repos[match[1]!] : undefined;
    if (!match || !repo) return void res.writeHead(404, { 'x-error-code': 'RepoNotFound' }).end('Repository not found');
    const files = repo[decodeURIComponent(match[2]!)];
    if (!files) return void res.writeHead(404, { 'x-error-code': 'RevisionNotFound' }).end('Revision not found');
    const body = files[decodeURIComponent(match[3]!)];
    if (!body) return void res.writeHead(404, { 'x-error-code': 'EntryNotFound' }).end('Entry not found');
    const etag = `"${createHash('sha256').update(body).digest('hex')}"`;
    const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (range) {
      const start = Number(range[1]);
      const end = Math.min(Number(range[2]), body.length - 1);
      return void res
        .writeHead(206, { etag, 'content-range': `bytes ${start}-${end}/${body.length}`, 'content-length': String(end - start + 1) })
        .end(body.subarray(start, end + 1));
    }
    res.writeHead(200, { etag, 'content-length': String(body.length), 'content-type': 'application/octet-stream' });
    if (fault?.truncateBody) {
      res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.destroy());
      return;
    }
    res.end(body);
  }
}
