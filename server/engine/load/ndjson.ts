import { EngineError } from "../errors.ts";

/** Longest NDJSON line the strict parser accepts (contract: 32 MiB). */
export const MAX_LINE_BYTES = 32 * 1024 * 1024;

export interface JsonItem {
  value: unknown;
  /** 1-based line where the value starts. */
  line: number;
  /** Size of the value's text in bytes (for batch limits). */
  bytes: number;
}

function ndjsonError(message: string, line: number, column = 1, excerpt?: string): EngineError {
  return new EngineError("ERR_NDJSON", message, { location: { line, column }, excerpt: excerpt === undefined ? undefined : `  ${excerpt.slice(0, 120)}` });
}

/**
 * Validates JSON text, refusing duplicate object keys (JSON.parse silently keeps the
 * last one, which would drop data). Keys are compared after unescaping, so `"a"` and
 * `"\u0061"` are duplicates. Throws ERR_NDJSON at the offending column.
 */
export function checkNoDuplicateKeys(text: string, line: number): void {
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      const start = i;
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === "\\") i++;
      const top = stack[stack.length - 1];
      if (top && expectKey) {
        const key = JSON.parse(text.slice(start, i + 1)) as string;
        if (top.has(key)) throw ndjsonError(`duplicate key ${JSON.stringify(key)} in one object`, line, start + 1, text);
        top.add(key);
        expectKey = false;
      }
    } else if (ch === "{") {
      stack.push(new Set());
      expectKey = true;
    } else if (ch === "[") {
      stack.push(null);
    } else if (ch === "}" || ch === "]") {
      stack.pop();
    } else if (ch === ",") {
      expectKey = stack[stack.length - 1] !== null && stack.length > 0;
    }
  }
}

async function* chunksOf(input: AsyncIterable<Uint8Array | string> | string): AsyncIterable<string> {
  if (typeof input === "string") {
    yield input;
    return;
  }
  const decoder = new TextDecoder("utf-8", { fatal: true });
  try {
    for await (const chunk of input) yield typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    const rest = decoder.decode();
    if (rest) yield rest;
  } catch (e) {
    if (e instanceof TypeError) throw new EngineError("ERR_NDJSON", "the body is not valid UTF-8");
    throw e;
  }
}

/**
 * Strict NDJSON (`/load/ndjson`): one JSON value per non-blank line, no duplicate
 * keys, at most 32 MiB per line. Reads the input as a stream: memory holds one line.
 */
export async function* strictLines(input: AsyncIterable<Uint8Array | string> | string): AsyncIterable<JsonItem> {
  let buf = "";
  let line = 0;
  const emit = (text: string): JsonItem | undefined => {
    line++;
    const trimmed = text.trim();
    if (trimmed === "") return undefined;
    const bytes = Buffer.byteLength(text);
    if (bytes > MAX_LINE_BYTES) throw ndjsonError(`line is ${bytes} bytes; the limit is ${MAX_LINE_BYTES}`, line);
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (e) {
      throw ndjsonError(`not valid JSON: ${(e as Error).message}`, line, 1, trimmed);
    }
    checkNoDuplicateKeys(trimmed, line);
    return { value, line, bytes };
  };
  for await (const chunk of chunksOf(input)) {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const item = emit(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
      if (item) yield item;
    }
    if (Buffer.byteLength(buf) > MAX_LINE_BYTES) throw ndjsonError(`line is longer than ${MAX_LINE_BYTES} bytes`, line + 1);
  }
  const last = emit(buf);
  if (last) yield last;
}

/**
 * Lenient input (`/load`, `/ingest`): a stream of JSON values separated by any
 * whitespace, so pretty-printed objects work. Values are found by tracking nesting and
 * strings; each complete value is parsed on its own.
 */
export async function* lenientValues(input: AsyncIterable<Uint8Array | string> | string): AsyncIterable<JsonItem> {
  let buf = "";
  let depth = 0;
  let inString = false;
  let escaped = false;
  let start = -1;
  let line = 1;
  let startLine = 1;
  let scan = 0;
  for await (const chunk of chunksOf(input)) {
    buf += chunk;
    for (; scan < buf.length; scan++) {
      const ch = buf[scan]!;
      if (ch === "\n") line++;
      if (inString) {
        if (escaped) escaped = false;
        else if (ch === "\\") escaped = true;
        else if (ch === '"') inString = false;
        continue;
      }
      if (start < 0) {
        if (/\s/.test(ch)) continue;
        if (ch !== "{" && ch !== "[") throw ndjsonError(`expected a JSON object, found '${ch}'`, line);
        start = scan;
        startLine = line;
      }
      if (ch === '"') inString = true;
      else if (ch === "{" || ch === "[") depth++;
      else if (ch === "}" || ch === "]") {
        depth--;
        if (depth === 0) {
          const text = buf.slice(start, scan + 1);
          let value: unknown;
          try {
            value = JSON.parse(text);
          } catch (e) {
            throw ndjsonError(`not valid JSON: ${(e as Error).message}`, startLine, 1, text);
          }
          yield { value, line: startLine, bytes: Buffer.byteLength(text) };
          buf = buf.slice(scan + 1);
          scan = -1;
          start = -1;
        }
      }
    }
    if (start > 0) {
      buf = buf.slice(start);
      scan -= start;
      start = 0;
    } else if (start < 0) {
      buf = "";
      scan = 0;
    }
    if (Buffer.byteLength(buf) > MAX_LINE_BYTES) throw ndjsonError(`a JSON value is longer than ${MAX_LINE_BYTES} bytes`, startLine);
  }
  if (start >= 0 || buf.trim() !== "") throw ndjsonError("the input ends inside a JSON value", startLine);
}
