/**
 * Typed engine errors. Every failure the engine reports carries a stable `code`;
 * errors about source text (schema `.pg`, query `.gq`, NDJSON) carry a location and
 * a short excerpt so the user can find the problem. The server maps codes to HTTP
 * status in one table; tests assert on codes, never on messages.
 */
export type EngineErrorCode =
  | "ERR_PARSE"
  | "ERR_TYPE"
  | "ERR_SCHEMA_INVALID"
  | "ERR_SCHEMA_UNSUPPORTED_CHANGE"
  | "ERR_SCHEMA_DATA_LOSS"
  | "ERR_PARAM"
  | "ERR_QUERY_NOT_FOUND"
  | "ERR_QUERY_NAME_REQUIRED"
  | "ERR_MUTATION_IN_READ"
  /** A read query sent where a mutation was expected (the other direction of a wrong route). */
  | "ERR_READ_IN_MUTATION"
  /** A language feature this server does not implement (tier B: text search and ranking). */
  | "ERR_NOT_SUPPORTED"
  /** Two branches with no merge base. */
  | "ERR_MERGE_UNRELATED"
  | "ERR_D2_MIXED_MUTATION"
  | "ERR_KEY_CONFLICT"
  | "ERR_INTEGRITY"
  | "ERR_NDJSON"
  | "ERR_RESOURCE_LIMIT"
  | "ERR_UNKNOWN_TYPE"
  | "ERR_MERGE_CONFLICT";

/** 1-based line and column in the source text. */
export interface SourceLocation {
  line: number;
  column: number;
}

export interface EngineErrorDetails {
  location?: SourceLocation | undefined;
  /** The offending source line with a caret under the column. */
  excerpt?: string | undefined;
  /** Extra structured data for the HTTP error body (e.g. key_conflict, resource_limit). */
  detail?: Record<string, unknown> | undefined;
  cause?: unknown;
}

export class EngineError extends Error {
  readonly code: EngineErrorCode;
  readonly location: SourceLocation | undefined;
  readonly excerpt: string | undefined;
  readonly detail: Record<string, unknown> | undefined;

  constructor(code: EngineErrorCode, message: string, details: EngineErrorDetails = {}) {
    const where = details.location ? ` at ${details.location.line}:${details.location.column}` : "";
    const full = details.excerpt ? `${message}${where}\n${details.excerpt}` : `${message}${where}`;
    super(full, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "EngineError";
    this.code = code;
    this.location = details.location;
    this.excerpt = details.excerpt;
    this.detail = details.detail;
  }
}

/** Renders the source line at `loc` with a caret under the column. */
export function excerptAt(source: string, loc: SourceLocation): string {
  const line = source.split(/\r?\n/)[loc.line - 1] ?? "";
  const shown = line.length > 120 ? line.slice(Math.max(0, loc.column - 60), loc.column + 60) : line;
  const caretCol = line.length > 120 ? Math.min(60, loc.column - 1) : loc.column - 1;
  return `  ${shown}\n  ${" ".repeat(Math.max(0, caretCol))}^`;
}

/** Builds an error about source text: message, location and excerpt. */
export function sourceError(
  code: EngineErrorCode,
  message: string,
  source: string,
  loc: SourceLocation,
): EngineError {
  return new EngineError(code, message, { location: loc, excerpt: excerptAt(source, loc) });
}

export function isEngineError(e: unknown, code?: EngineErrorCode): e is EngineError {
  return e instanceof EngineError && (code === undefined || e.code === code);
}
