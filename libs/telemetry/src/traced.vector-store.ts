import { SpanKind } from '@opentelemetry/api';
import type { HybridQuery, VectorStore } from '@ragops/rag';
import {
  ATTR_RAGOPS_RETRIEVAL_CANDIDATES,
  ATTR_RAGOPS_RETRIEVAL_FILTERED,
  ATTR_RAGOPS_RETRIEVAL_HITS,
  ATTR_RAGOPS_RETRIEVAL_MODE,
  ATTR_RAGOPS_RETRIEVAL_TOP_K,
  ATTR_RAGOPS_RETRIEVAL_TOP_SCORE,
} from './tracing.attributes.js';
import { inSpan, tracingRecording } from './tracing.spans.js';

const ATTR_DB_SYSTEM_NAME = 'db.system.name';
const ATTR_DB_OPERATION_NAME = 'db.operation.name';
const ATTR_DB_COLLECTION_NAME = 'db.collection.name';

/**
 * Adds a `search {index}` span (database client conventions) around the store's search; every other method passes
 * through untouched. A Proxy rather than a class, so the wrapper keeps up with the port as it grows.
 */
export function tracedVectorStore<S extends VectorStore>(store: S): S {
  const system = storeSystem(store);
  const remote = system === 'qdrant';
  const search = (index: string, query: HybridQuery) => {
    if (!tracingRecording()) return store.search(index, query);
    const attributes = {
      [ATTR_DB_SYSTEM_NAME]: system,
      [ATTR_DB_OPERATION_NAME]: 'search',
      [ATTR_DB_COLLECTION_NAME]: index,
      [ATTR_RAGOPS_RETRIEVAL_MODE]: query.dense && query.sparse ? 'hybrid' : query.dense ? 'dense' : 'sparse',
      [ATTR_RAGOPS_RETRIEVAL_TOP_K]: query.topK,
      [ATTR_RAGOPS_RETRIEVAL_CANDIDATES]: query.candidates,
      [ATTR_RAGOPS_RETRIEVAL_FILTERED]: query.filter !== undefined && Object.keys(query.filter).length > 0,
    };
    return inSpan(`search ${index}`, { kind: remote ? SpanKind.CLIENT : SpanKind.INTERNAL, attributes }, async (span) => {
      const hits = await store.search(index, query);
      span.setAttribute(ATTR_RAGOPS_RETRIEVAL_HITS, hits.length);
      if (hits[0]) span.setAttribute(ATTR_RAGOPS_RETRIEVAL_TOP_SCORE, hits[0].score);
      return hits;
    });
  };
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'search') return search;
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** `MemoryVectorStore` → `memory`, `QdrantVectorStore` → `qdrant`: the adapter's name as `db.system.name`. */
function storeSystem(store: object): string {
  const name = store.constructor?.name ?? '';
  return name.replace(/VectorStore$|Store$/, '').toLowerCase() || 'vector_store';
}
