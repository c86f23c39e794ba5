/**
 * The routes the app serves, recorded from Fastify's onRoute hook, so an unmatched request can be told apart:
 * a known path with another method is 405 (with Allow), an unknown path 404.
 */
export class RouteTable {
  private readonly routes: { pattern: RegExp; url: string; methods: Set<string> }[] = [];

  add(methods: string | readonly string[], url: string): void {
    let route = this.routes.find((r) => r.url === url);
    if (!route) {
      route = { pattern: compile(url), url, methods: new Set() };
      this.routes.push(route);
    }
    for (const m of typeof methods === 'string' ? [methods] : methods) route.methods.add(m.toUpperCase());
  }

  /** Methods served at this path (query string ignored), sorted; empty when no route has the path. */
  methodsFor(url: string): string[] {
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const out = new Set<string>();
    for (const r of this.routes) if (r.pattern.test(path)) for (const m of r.methods) out.add(m);
    return [...out].sort();
  }

  /** Route patterns for a 404 message, e.g. `GET /v1/jobs/:id`. */
  describe(): string[] {
    return this.routes
      .flatMap((r) => [...r.methods].filter((m) => m !== 'HEAD' && m !== 'OPTIONS').map((m) => `${m} ${r.url}`))
      .sort();
  }
}

/** `/v1/jobs/:id` → /^\/v1\/jobs\/[^/]+$/ ; `*` matches the rest. */
function compile(url: string): RegExp {
  const source = url
    .split('/')
    .map((seg) => (seg.startsWith(':') ? '[^/]+' : seg === '*' ? '.*' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}$`);
}
