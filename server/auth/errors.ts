/** Typed auth errors (the HTTP table maps them: 401, 403). */
export type AuthErrorCode = "ERR_UNAUTHENTICATED" | "ERR_FORBIDDEN";

export class AuthError extends Error {
  constructor(readonly code: AuthErrorCode, message: string, readonly detail: Record<string, unknown> = {}) {
    super(message);
    this.name = "AuthError";
  }
}

export function isAuthError(e: unknown, code?: AuthErrorCode): e is AuthError {
  return e instanceof AuthError && (code === undefined || e.code === code);
}
