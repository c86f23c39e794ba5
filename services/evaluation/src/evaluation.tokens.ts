export const ONLINE_EVALUATOR = Symbol('ONLINE_EVALUATOR');
export const INTERACTION_SOURCE = Symbol('INTERACTION_SOURCE');
export const FEEDBACK_SOURCE = Symbol('FEEDBACK_SOURCE');
export const INTERACTION_INDEX = Symbol('INTERACTION_INDEX');
export const EVALUATION_LOG = Symbol('EVALUATION_LOG');

/** What the handlers log (a pino logger in the service; anything with warn/error in tests). */
export interface EvaluationLog {
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}
