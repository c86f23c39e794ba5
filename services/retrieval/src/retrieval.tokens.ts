export const SEARCHER = Symbol('SEARCHER');
