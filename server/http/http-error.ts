/** Typed errors raised by the HTTP layer itself (routing, bodies, headers, admission). */
export type HttpErrorCode =
  | "ERR_ROUTE_NOT_FOUND"
  | "ERR_METHOD_NOT_ALLOWED"
  | "ERR_MALFORMED_JSON"
  | "ERR_REQUEST_INVALID"
  | "ERR_UNSUPPORTED_MEDIA_TYPE"
  | "ERR_BODY_TOO_LARGE"
  | "ERR_GRAPH_ID_INVALID"
  | "ERR_PRECONDITION_HEADER"
  | "ERR_ADMISSION"
  | "ERR_INTERNAL";

export class HttpError extends Error {
  constructor(readonly code: HttpErrorCode, message: string, readonly detail: Record<string, unknown> = {}, readonly headers: Record<string, string> = {}) {
    super(message);
    this.name = "HttpError";
  }
}
