/** Typed errors of the runtime (graph handles, roles, lifecycle). */
export type RuntimeErrorCode =
  /** The graph's open-time recovery failed; it is not served until an operator repairs it. */
  | "ERR_GRAPH_QUARANTINED"
  /** A write sent to a reader process (detail `writer_url` when configured). */
  | "ERR_WRITE_ON_READER"
  /** The process is booting or draining. */
  | "ERR_NOT_READY";

export class RuntimeError extends Error {
  constructor(readonly code: RuntimeErrorCode, message: string, readonly detail: Record<string, unknown> = {}, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "RuntimeError";
  }
}

export function isRuntimeError(e: unknown, code?: RuntimeErrorCode): e is RuntimeError {
  return e instanceof RuntimeError && (code === undefined || e.code === code);
}
