import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { MetricDef } from './metric.catalogue.js';
import { LabelGuard, type LabelValue } from './metric.labels.js';

/** The label object a metric of definition `D` takes (a stateset's `state` is passed separately). */
export type LabelsOf<D extends MetricDef, Without extends string = never> = {
  readonly [K in Exclude<keyof D['labels'], Without> & string]: LabelValue<D['labels'][K]>;
};

export interface CounterAccessor<L> {
  /** Adds `value` (default 1). Negative or non-finite values are dropped: a counter only goes up. */
  inc(labels: L, value?: number): void;
}

export interface GaugeAccessor<L> {
  set(labels: L, value: number): void;
  inc(labels: L, value?: number): void;
  dec(labels: L, value?: number): void;
}

export interface HistogramAccessor<L> {
  /** Records one observation; non-finite values are dropped. */
  observe(labels: L, value: number): void;
  /** Starts a timer; calling the result records the elapsed seconds and returns them. */
  startTimer(labels: L): () => number;
}

export interface StateSetAccessor<L, S extends string> {
  /** Marks `state` as current (1) and every other state of the same label set as not (0). */
  set(labels: L, state: S): void;
}

export interface InfoAccessor<L> {
  /** Replaces the whole set: series of entries no longer listed disappear. */
  set(entries: readonly L[]): void;
}

type StateOf<D extends MetricDef> = D['labels'] extends { state: infer S } ? LabelValue<S> : never;

export type AccessorOf<D extends MetricDef> = D['type'] extends 'counter'
  ? CounterAccessor<LabelsOf<D>>
  : D['type'] extends 'gauge'
    ? GaugeAccessor<LabelsOf<D>>
    : D['type'] extends 'histogram'
      ? HistogramAccessor<LabelsOf<D>>
      : D['type'] extends 'stateset'
        ? StateSetAccessor<LabelsOf<D, 'state'>, StateOf<D>>
        : InfoAccessor<LabelsOf<D>>;

type Overflow = (metric: string, label: string, replacement: string) => void;

/** Every combination of an enum-only label set (empty when any label is not an enum). */
export function enumCombinations(labels: MetricDef['labels']): Record<string, string>[] {
  let combos: Record<string, string>[] = [{}];
  for (const [name, spec] of Object.entries(labels)) {
    if (spec.kind !== 'enum') return [];
    combos = combos.flatMap((c) => spec.values.map((v) => ({ ...c, [name]: v })));
  }
  return combos;
}

/**
 * Builds the prom-client metric for `def` in `registry` and wraps it in a guarded, typed accessor. With
 * `zeroSeries`, a counter or gauge whose labels are all enumerations starts with every series at 0, so
 * `rate(ragops_errors_total[5m])` is 0 rather than absent before the first error (Prometheus' advice to avoid
 * missing metrics); metrics with configured labels (variant, model, …) appear on first use.
 */
export function createAccessor(def: MetricDef, registry: Registry, overflow: Overflow, zeroSeries = false): unknown {
  const labelNames = Object.keys(def.labels);
  const guard = new LabelGuard(
    def.labels,
    (label, replacement) => overflow(def.name, label, replacement),
    def.maxSeries,
  );
  const base = { name: def.name, help: def.help, labelNames, registers: [registry] };
  switch (def.type) {
    case 'counter': {
      const counter = new Counter(base);
      if (zeroSeries) for (const labels of enumCombinations(def.labels)) counter.inc(labels, 0);
      return {
        inc(labels: Record<string, string>, value = 1) {
          if (Number.isFinite(value) && value >= 0) counter.inc(guard.admit(labels), value);
        },
      } satisfies CounterAccessor<Record<string, string>>;
    }
    case 'gauge': {
      const gauge = new Gauge(base);
      if (zeroSeries) for (const labels of enumCombinations(def.labels)) gauge.set(labels, 0);
      return {
        set(labels: Record<string, string>, value: number) {
          if (Number.isFinite(value)) gauge.set(guard.admit(labels), value);
        },
        inc(labels: Record<string, string>, value = 1) {
          if (Number.isFinite(value)) gauge.inc(guard.admit(labels), value);
        },
        dec(labels: Record<string, string>, value = 1) {
          if (Number.isFinite(value)) gauge.dec(guard.admit(labels), value);
        },
      } satisfies GaugeAccessor<Record<string, string>>;
    }
    case 'histogram': {
      const histogram = new Histogram({ ...base, buckets: [...(def.buckets ?? [])] });
      return {
        observe(labels: Record<string, string>, value: number) {
          if (Number.isFinite(value)) histogram.observe(guard.admit(labels), value);
        },
        startTimer(labels: Record<string, string>) {
          return histogram.startTimer(guard.admit(labels));
        },
      } satisfies HistogramAccessor<Record<string, string>>;
    }
    case 'stateset': {
      const gauge = new Gauge(base);
      const stateSpec = def.labels.state;
      if (stateSpec?.kind !== 'enum') throw new Error(`${def.name}: a stateset needs an enum label "state"`);
      return {
        set(labels: Record<string, string>, state: string) {
          const admitted = guard.admit({ ...labels, state });
          for (const s of stateSpec.values) gauge.set({ ...admitted, state: s }, s === admitted.state ? 1 : 0);
        },
      } satisfies StateSetAccessor<Record<string, string>, string>;
    }
    case 'info': {
      const gauge = new Gauge(base);
      return {
        set(entries: readonly Record<string, string>[]) {
          gauge.reset();
          for (const entry of entries) gauge.set(guard.admit(entry), 1);
        },
      } satisfies InfoAccessor<Record<string, string>>;
    }
  }
}
