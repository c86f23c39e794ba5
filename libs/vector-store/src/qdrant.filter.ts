import { AppError, type SearchFilter } from '@ragops/contracts';
import type { Schemas } from '@qdrant/js-client-rest';
import { FILTER_KEY } from './payload.filter.js';

type Filter = Schemas['Filter'];
type Condition = Schemas['Condition'];
type Scalar = string | number | boolean;

/**
 * Qdrant's JSON path of a filter key. Metadata keys may contain dots, which Qdrant reads as nesting, so such a
 * segment is quoted (`metadata."a.b"`; lib/segment/src/json_path/parse.rs). Keys never contain quotes.
 */
export function payloadPath(key: string): string {
  if (key === 'docId' || key === 'source') return key;
  const field = key.slice('metadata.'.length);
  return /^[A-Za-z0-9_-]+$/.test(field) ? `metadata.${field}` : `metadata."${field}"`;
}

function scalarCondition(key: string, value: Scalar): Condition {
  // Qdrant matches keywords, integers and booleans exactly; a fractional number can only be matched as a range.
  if (typeof value === 'number' && !Number.isSafeInteger(value)) return { key, range: { gte: value, lte: value } };
  return { key, match: { value } };
}

/** One key of a SearchFilter: the value, or any of the values of an array (OR), with types compared strictly. */
function keyCondition(key: string, raw: Scalar | Scalar[]): Condition {
  const values = [...new Set(Array.isArray(raw) ? raw : [raw])];
  if (values.length === 1) return scalarCondition(key, values[0]);
  // match.any takes only all-string or all-integer lists (unique); a mix is a nested OR of single matches.
  if (values.every((v) => typeof v === 'string')) return { key, match: { any: values } };
  if (values.every((v) => typeof v === 'number' && Number.isSafeInteger(v))) return { key, match: { any: values } };
  return { should: values.map((v) => scalarCondition(key, v)) };
}

/**
 * The Qdrant filter of a search: the tenant always, AND every key of the SearchFilter, with the meaning
 * payload.filter.ts gives them (see compileFilter). An empty array value matches nothing, as it does there.
 */
export function qdrantFilter(tenant: string, filter: SearchFilter | undefined): Filter {
  const must: Condition[] = [{ key: 'tenant', match: { value: tenant } }];
  for (const [key, raw] of Object.entries(filter ?? {})) {
    if (!FILTER_KEY.test(key)) {
      throw new AppError('VALIDATION_FAILED', `filter key '${key}' is not docId, source or metadata.<key>`, { key });
    }
    if (Array.isArray(raw) && raw.length === 0) must.push({ key: 'tenant', match: { any: [] } });
    else must.push(keyCondition(payloadPath(key), raw as Scalar | Scalar[]));
  }
  return { must };
}

/** The chunks of one document of one tenant; with `exceptHash`, only those of other versions. */
export function documentFilter(tenant: string, docId: string, exceptHash?: string): Filter {
  const filter: Filter = {
    must: [
      { key: 'tenant', match: { value: tenant } },
      { key: 'docId', match: { value: docId } },
    ],
  };
  if (exceptHash !== undefined) filter.must_not = [{ key: 'docHash', match: { value: exceptHash } }];
  return filter;
}
