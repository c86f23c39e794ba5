/**
 * Label value policies. Every label of a catalogue metric is either an enumeration fixed in code or a value taken
 * from configuration whose number of distinct values is bounded (variants from the routing table, configured
 * tenants and models). Free text — queries, document ids, raw URLs, error messages — is never a label value.
 */
export interface EnumLabel<V extends string = string> {
  readonly kind: 'enum';
  readonly values: readonly V[];
  readonly doc: string;
}

export interface BoundedLabel {
  readonly kind: 'bounded';
  /** Distinct values one metric keeps; later new values are recorded as {@link OVERFLOW_VALUE}. */
  readonly maxValues: number;
  readonly doc: string;
}

export type LabelSpec = EnumLabel | BoundedLabel;

/** Recorded instead of a new value once a bounded label already holds `maxValues` distinct values. */
export const OVERFLOW_VALUE = 'other';
/** Recorded instead of a value that is not a plausible identifier (free text leaking into a label). */
export const INVALID_VALUE = 'invalid';

/** Distinct label sets one metric keeps unless its definition says otherwise. */
export const DEFAULT_MAX_SERIES = 500;

/** Identifiers as configured: variant ids, model names (`org/model-7b`), tenants, index versions, prompt@version. */
const IDENTIFIER = /^[A-Za-z0-9_.:@/+-]{1,128}$/;

export function oneOf<const V extends string>(values: readonly V[], doc: string): EnumLabel<V> {
  return { kind: 'enum', values, doc };
}

export function bounded(maxValues: number, doc: string): BoundedLabel {
  return { kind: 'bounded', maxValues, doc };
}

/** The TypeScript type of one label's value: the union of an enum's values, or string. */
export type LabelValue<S> = S extends EnumLabel<infer V> ? V : string;

/**
 * Enforces one metric's label policies at record time. A metric must never throw or block the request it
 * measures, so a bad value is mapped rather than rejected: an enum value outside the list and an implausible
 * identifier become `invalid`, a bounded label's new value beyond its cap becomes `other`. `onOverflow` hears about
 * every mapped value, so the guard itself is observable (`ragops_metric_label_overflow_total`).
 */
export class LabelGuard {
  private readonly seen = new Map<string, Set<string>>();
  private readonly enums = new Map<string, ReadonlySet<string>>();
  private readonly series = new Set<string>();

  /**
   * @param maxSeries cap on distinct label sets: per-label caps multiply (256 tenants × 32 models × 32 variants),
   *   so a new combination beyond this cap has its bounded labels recorded as `other`.
   */
  constructor(
    private readonly specs: Readonly<Record<string, LabelSpec>>,
    private readonly onOverflow: (label: string, replacement: string) => void = () => {},
    private readonly maxSeries = DEFAULT_MAX_SERIES,
  ) {
    for (const [name, spec] of Object.entries(specs)) {
      if (spec.kind === 'enum') this.enums.set(name, new Set(spec.values));
      else this.seen.set(name, new Set());
    }
  }

  /** Returns a new object with every declared label present and every value admissible. */
  admit(labels: Readonly<Record<string, string>>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, spec] of Object.entries(this.specs)) {
      const raw = labels[name];
      out[name] = spec.kind === 'enum' ? this.admitEnum(name, raw) : this.admitBounded(name, spec, raw);
    }
    const key = JSON.stringify(out);
    if (this.series.has(key)) return out;
    if (this.series.size < this.maxSeries) {
      this.series.add(key);
      return out;
    }
    for (const [name, spec] of Object.entries(this.specs)) {
      if (spec.kind === 'bounded' && out[name] !== OVERFLOW_VALUE) {
        out[name] = OVERFLOW_VALUE;
        this.onOverflow(name, OVERFLOW_VALUE);
      }
    }
    return out;
  }

  private admitEnum(name: string, raw: string | undefined): string {
    if (raw !== undefined && this.enums.get(name)!.has(raw)) return raw;
    this.onOverflow(name, INVALID_VALUE);
    return INVALID_VALUE;
  }

  private admitBounded(name: string, spec: BoundedLabel, raw: string | undefined): string {
    if (typeof raw !== 'string' || !IDENTIFIER.test(raw)) {
      this.onOverflow(name, INVALID_VALUE);
      return INVALID_VALUE;
    }
    const seen = this.seen.get(name)!;
    if (seen.has(raw)) return raw;
    if (seen.size >= spec.maxValues) {
      this.onOverflow(name, OVERFLOW_VALUE);
      return OVERFLOW_VALUE;
    }
    seen.add(raw);
    return raw;
  }
}
