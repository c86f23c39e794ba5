export const GENERATOR = Symbol('GENERATOR');
