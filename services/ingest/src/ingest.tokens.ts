export const INGEST_QUEUE = Symbol('INGEST_QUEUE');
export const INGEST_RUNNER = Symbol('INGEST_RUNNER');
