import { AppError } from '@ragops/contracts';
import { z } from 'zod';

/** USD per million tokens, as providers publish their prices. */
export interface ModelPrice {
  inputPer1M: number;
  outputPer1M: number;
}

const Price = z.strictObject({
  inputPer1M: z.number().nonnegative().finite(),
  outputPer1M: z.number().nonnegative().finite(),
});
const Table = z.record(z.string().min(1, 'a model name may not be empty'), Price);

/**
 * Model prices from configuration, and the cost of one call.
 *
 * Lookup is exact first, then by the longest configured name that prefixes the model at a separator (`-`, `:`, `@`,
 * `.`, `/`): servers answer with dated snapshots (`gpt-4o-2024-08-06`, `claude-3-5-sonnet-20241022`) or tags
 * (`llama3.1:8b`) of the configured name. The separator rule stops `gpt-4` from pricing `gpt-4o`; a family that shares
 * a prefix with a cheaper one (`gpt-4o-mini` under `gpt-4o`) needs its own entry, or it is priced as the shorter one.
 */
export class PriceTable {
  private readonly prices: ReadonlyMap<string, ModelPrice>;
  /** Configured names, longest first, for the prefix lookup. */
  private readonly byLength: readonly string[];

  private constructor(prices: Map<string, ModelPrice>) {
    this.prices = prices;
    this.byLength = [...prices.keys()].sort((a, b) => b.length - a.length || a.localeCompare(b));
  }

  static empty(): PriceTable {
    return new PriceTable(new Map());
  }

  /** From validated entries; throws VALIDATION_FAILED naming each bad entry. */
  static of(entries: Record<string, ModelPrice>): PriceTable {
    const result = Table.safeParse(entries);
    if (!result.success) throw invalid(result.error);
    return new PriceTable(new Map(Object.entries(result.data)));
  }

  /**
   * Parses the configuration value: a JSON object `{ "<model>": { "inputPer1M": 2.5, "outputPer1M": 10 } }`.
   * Empty or absent means no prices (every cost is undefined).
   */
  static parse(json: string | undefined): PriceTable {
    if (json === undefined || json.trim() === '') return PriceTable.empty();
    let raw: unknown;
    try {
      raw = JSON.parse(json);
    } catch (error) {
      throw new AppError('VALIDATION_FAILED', `price table is not valid JSON: ${(error as Error).message}`, undefined, { cause: error });
    }
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      throw new AppError('VALIDATION_FAILED', 'price table must be a JSON object of model → { inputPer1M, outputPer1M } (USD per million tokens)');
    }
    return PriceTable.of(raw as Record<string, ModelPrice>);
  }

  get size(): number {
    return this.prices.size;
  }

  /** The price for `model`: exact name, else the longest configured prefix ending at a separator; else undefined. */
  priceOf(model: string): ModelPrice | undefined {
    const exact = this.prices.get(model);
    if (exact) return exact;
    for (const name of this.byLength) {
      if (model.length > name.length && model.startsWith(name) && SEPARATORS.has(model[name.length]!)) return this.prices.get(name);
    }
    return undefined;
  }

  /** USD for one call: promptTokens × inputPer1M / 1e6 + completionTokens × outputPer1M / 1e6; undefined without a price. */
  costOf(model: string, usage: { promptTokens: number; completionTokens: number }): number | undefined {
    const price = this.priceOf(model);
    if (!price) return undefined;
    return (usage.promptTokens * price.inputPer1M + usage.completionTokens * price.outputPer1M) / 1e6;
  }
}

const SEPARATORS = new Set(['-', ':', '@', '.', '/']);

function invalid(error: z.ZodError): AppError {
  const problems = error.issues.map((issue) => {
    const [model, field] = issue.path;
    if (model === undefined) return issue.message;
    const where = `price table entry ${JSON.stringify(String(model))}`;
    if (issue.code === 'unrecognized_keys') return `${where}: unknown field(s) ${issue.keys.join(', ')} (expected inputPer1M, outputPer1M)`;
    if (issue.code === 'invalid_key') return `${where}: ${issue.issues[0]?.message ?? issue.message}`;
    if (field === undefined) return `${where}: must be { inputPer1M, outputPer1M } (${issue.message})`;
    return `${where}: ${String(field)} must be a non-negative number of USD per million tokens (${issue.message})`;
  });
  return new AppError('VALIDATION_FAILED', `invalid price table: ${problems.join('; ')}`, { problems });
}
