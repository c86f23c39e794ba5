export const EMBEDDER = Symbol('EMBEDDER');
