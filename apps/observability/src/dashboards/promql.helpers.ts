/** Grafana's rate window: at least four scrape intervals, so `rate()` always has samples. */
export const RATE = '$__rate_interval';

/** `sum by (<by>) (rate(<series>{<matchers>}[<window>]))` */
export function sumRate(series: string, matchers: string, by: string, window = RATE): string {
  return `sum by (${by}) (rate(${series}{${matchers}}[${window}]))`;
}

/**
 * Share of `part` in `whole`, both `sum by (<by>) (rate(...))`. `or 0 * whole` yields 0 instead of no data when
 * no `part` series exists yet (no errors ever, no empty retrievals ever), so a healthy system plots a flat 0.
 */
export function share(part: string, whole: string): string {
  return `(${part} or 0 * ${whole}) / ${whole}`;
}

/** `histogram_quantile(q, sum by (<by>, le) (rate(<histogram>_bucket{...}[...])))` */
export function quantile(q: number, histogram: string, matchers: string, by: string, window = RATE): string {
  const groups = by ? `${by}, le` : 'le';
  return `histogram_quantile(${q}, sum by (${groups}) (rate(${histogram}_bucket{${matchers}}[${window}])))`;
}

/** Mean of a histogram's observations: rate of _sum over rate of _count. */
export function mean(histogram: string, matchers: string, by: string, window = RATE): string {
  return `${sumRate(`${histogram}_sum`, matchers, by, window)} / ${sumRate(`${histogram}_count`, matchers, by, window)}`;
}
