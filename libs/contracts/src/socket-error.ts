/**
 * The first socket-level `code` (ECONNREFUSED, ENOTFOUND, …) along an error's cause chain: fetch wraps the socket
 * error (TypeError → Error{code}), and a failed connect to several addresses nests them in `errors`. Shared by the
 * HTTP adapters (OpenAI-compatible models, Qdrant) to tell "nothing listens there" from "the call broke".
 */
export function socketCodeOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code) return code;
    const nested = (current as { errors?: unknown }).errors;
    if (Array.isArray(nested) && nested.length > 0) {
      const inner = socketCodeOf(nested[0]);
      if (inner) return inner;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
