import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What /metrics serves: a prom-client Registry (its exposition and content type) or anything shaped like one. */
export interface MetricsSource {
  readonly contentType: string;
  metrics(): Promise<string>;
}

export interface MetricsServerOptions {
  registry: MetricsSource;
  /** 0: any free port (see `url`). */
  port: number;
  host: string;
  /** Backs /readyz when given: resolves (not `false`) when the service can work. Without it there is no /readyz. */
  ready?: () => Promise<boolean | void>;
}

export interface MetricsServer {
  /** Base URL as reachable from this host, e.g. http://127.0.0.1:9464. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * The small HTTP listener of a service without an HTTP server of its own: `GET /metrics` (Prometheus text of its
 * registry, with the registry's content type) and `GET /healthz` (the process is up), plus `GET /readyz` when given a
 * check. node:http and fixed routes: nothing is parsed, nothing else is served. Resolves once listening; a port in
 * use rejects (the service then fails to start, naming the port).
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const server = createServer((req, res) => void respond(req, res, options));
  await new Promise<void>((resolve, reject) => {
    const failed = (err: Error) => reject(new Error(`cannot listen on ${options.host}:${options.port} for /metrics: ${err.message}`, { cause: err }));
    server.once('error', failed);
    server.listen(options.port, options.host, () => {
      server.off('error', failed);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const JSON_TYPE = 'application/json; charset=utf-8';

async function respond(req: IncomingMessage, res: ServerResponse, options: MetricsServerOptions): Promise<void> {
  const path = (req.url ?? '/').split('?', 1)[0];
  const routes = options.ready ? ['/metrics', '/healthz', '/readyz'] : ['/metrics', '/healthz'];
  if (!routes.includes(path!)) return send(res, 404, JSON_TYPE, { error: { code: 'ROUTE_NOT_FOUND', message: `no route ${path}; routes: ${routes.join(', ')}` } });
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    return send(res, 405, JSON_TYPE, { error: { code: 'METHOD_NOT_ALLOWED', message: `${req.method} is not allowed here; use GET` } });
  }
  const head = req.method === 'HEAD';
  try {
    if (path === '/metrics') return send(res, 200, options.registry.contentType, await options.registry.metrics(), head);
    if (path === '/healthz') return send(res, 200, JSON_TYPE, { status: 'ok' }, head);
    const ready = (await options.ready!()) !== false;
    return send(res, ready ? 200 : 503, JSON_TYPE, { ready }, head);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (path === '/readyz') return send(res, 503, JSON_TYPE, { ready: false, error: { code: 'UNAVAILABLE', message } }, head);
    return send(res, 500, JSON_TYPE, { error: { code: 'INTERNAL', message: `collecting metrics failed: ${message}` } }, head);
  }
}

function send(res: ServerResponse, status: number, type: string, body: unknown, head = false): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
  res.end(head ? undefined : text);
}
