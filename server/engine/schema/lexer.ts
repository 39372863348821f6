/**
 * Tokenizer for `.pg` schema source. Keywords are not special here: `node`,
 * `enum`, `Vector`… are plain words and the parser decides by position, so a
 * property may be called `node` exactly as in OmniGraph's grammar.
 */
import { sourceError, type SourceLocation } from "../errors.ts";

export type TokenKind =
  | "word" // [A-Za-z_][A-Za-z0-9_]*
  | "number" // -?[0-9]+(\.[0-9]+)?
  | "string" // "…" with \" \\ \n \r \t escapes
  | "{" | "}" | "(" | ")" | "[" | "]"
  | ":" | "," | "?" | "=" | "@" | "->" | ".." | "-"
  | "eof";

export interface Token {
  kind: TokenKind;
  /** The source text of the token (for strings: including the quotes). */
  text: string;
  /** Decoded value of a string token. */
  value?: string | undefined;
  loc: SourceLocation;
  /** Offsets into the source: `start` inclusive, `end` exclusive. */
  start: number;
  end: number;
}

const PUNCT_1 = new Set(["{", "}", "(", ")", "[", "]", ":", ",", "?", "=", "@"]);
const ESCAPES: Record<string, string> = { '"': '"', "\\": "\\", n: "\n", r: "\r", t: "\t" };

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= "0" && c <= "9";
const isWordStart = (c: string | undefined): boolean =>
  c !== undefined && ((c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_");
const isWordChar = (c: string | undefined): boolean => isWordStart(c) || isDigit(c);

/**
 * Splits schema source into tokens, skipping whitespace, `//` and `/* *\/`
 * comments. The last token is always `eof`.
 *
 * @throws EngineError `ERR_PARSE` on an unexpected character, an unterminated
 *   string or block comment, or an unsupported string escape.
 */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  // A leading byte-order mark (editors on Windows add one) is not part of the schema.
  let pos = source.startsWith("\uFEFF") ? 1 : 0;
  let line = 1;
  let column = 1;

  const advance = (n: number): void => {
    for (let i = 0; i < n; i++) {
      if (source[pos] === "\n") {
        line++;
        column = 1;
      } else {
        column++;
      }
      pos++;
    }
  };
  // Explicitly typed so control-flow analysis knows it never returns.
  const fail: (message: string, loc: SourceLocation) => never = (message, loc) => {
    throw sourceError("ERR_PARSE", message, source, loc);
  };

  while (pos < source.length) {
    const c = source[pos];
    const next = source[pos + 1];
    if (c === " " || c === "\t" || c === "\r" || c === "\n") {
      advance(1);
      continue;
    }
    const loc = { line, column };
    const start = pos;
    if (c === "/" && next === "/") {
      while (pos < source.length && source[pos] !== "\n") advance(1);
      continue;
    }
    if (c === "/" && next === "*") {
      const close = source.indexOf("*/", pos + 2);
      if (close < 0) fail("unterminated block comment: expected '*/' before the end of the file", loc);
      advance(close + 2 - pos);
      continue;
    }
    if (isWordStart(c)) {
      let n = 1;
      while (isWordChar(source[pos + n])) n++;
      tokens.push({ kind: "word", text: source.slice(pos, pos + n), loc, start, end: pos + n });
      advance(n);
      continue;
    }
    if (isDigit(c) || (c === "-" && isDigit(next))) {
      let n = 1;
      while (isDigit(source[pos + n])) n++;
      // A fraction needs a digit after the dot, so `1..5` lexes as `1` `..` `5`.
      if (source[pos + n] === "." && isDigit(source[pos + n + 1])) {
        n += 2;
        while (isDigit(source[pos + n])) n++;
      }
      tokens.push({ kind: "number", text: source.slice(pos, pos + n), loc, start, end: pos + n });
      advance(n);
      continue;
    }
    if (c === '"') {
      let value = "";
      let n = 1;
      for (;;) {
        const ch = source[pos + n];
        if (ch === undefined) fail("unterminated string: expected a closing '\"'", loc);
        if (ch === '"') break;
        if (ch === "\\") {
          const esc = source[pos + n + 1];
          const decoded = esc === undefined ? undefined : ESCAPES[esc];
          if (decoded === undefined) {
            const escLoc = locAfter(source, start, loc, n);
            fail(
              `unsupported escape '\\${esc ?? ""}' in string: only \\" \\\\ \\n \\r \\t are allowed (write a regex \\d as \\\\d)`,
              escLoc,
            );
          }
          value += decoded;
          n += 2;
          continue;
        }
        value += ch;
        n++;
      }
      n++;
      tokens.push({ kind: "string", text: source.slice(pos, pos + n), value, loc, start, end: pos + n });
      advance(n);
      continue;
    }
    if (c === "-" && next === ">") {
      tokens.push({ kind: "->", text: "->", loc, start, end: pos + 2 });
      advance(2);
      continue;
    }
    if (c === "." && next === ".") {
      tokens.push({ kind: "..", text: "..", loc, start, end: pos + 2 });
      advance(2);
      continue;
    }
    if (c === "-") {
      // A lone '-' only appears inside enum values such as `in-progress`.
      tokens.push({ kind: "-", text: "-", loc, start, end: pos + 1 });
      advance(1);
      continue;
    }
    if (c !== undefined && PUNCT_1.has(c)) {
      tokens.push({ kind: c as TokenKind, text: c, loc, start, end: pos + 1 });
      advance(1);
      continue;
    }
    fail(`unexpected character ${JSON.stringify(c)}`, loc);
  }
  tokens.push({ kind: "eof", text: "", loc: { line, column }, start: pos, end: pos });
  return tokens;
}

/** Location of the character `n` code units after `start` (which is at `loc`). */
function locAfter(source: string, start: number, loc: SourceLocation, n: number): SourceLocation {
  let { line, column } = loc;
  for (let i = start; i < start + n; i++) {
    if (source[i] === "\n") {
      line++;
      column = 1;
    } else {
      column++;
    }
  }
  return { line, column };
}

/** How a token is shown in "expected X but found Y" messages. */
export function describeToken(t: Token): string {
  if (t.kind === "eof") return "the end of the file";
  if (t.kind === "string") return `string ${t.text.length > 40 ? t.text.slice(0, 37) + '..."' : t.text}`;
  if (t.kind === "number") return `number ${t.text}`;
  return `'${t.text}'`;
}
