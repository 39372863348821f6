/**
 * Tokenizer for `.gq` query source. Keywords are not special here: they are
 * `ident` tokens and the parser decides by context, so a keyword can still name
 * a property or an alias.
 */
import { sourceError, type SourceLocation } from "../errors.ts";

export type TokenKind =
  | "ident" // [a-z_][A-Za-z0-9_]*
  | "type" // [A-Z][A-Za-z0-9_]*
  | "var" // $ident or $_ ; `text` holds the name without `$`
  | "string" // `text` holds the unescaped value
  | "int" // ASCII digits
  | "float" // digits "." digits
  | "punct" // { } ( ) [ ] , : . ? @ < > <= >= != = 
  | "eof";

export interface Token {
  kind: TokenKind;
  /** Identifier, variable name, punctuation, digits, or the unescaped string value. */
  text: string;
  loc: SourceLocation;
}

const PUNCT2 = ["<=", ">=", "!="];
const PUNCT1 = new Set(["{", "}", "(", ")", "[", "]", ",", ":", ".", "?", "@", "<", ">", "="]);

function isIdentStart(c: string): boolean {
  return (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_";
}
function isIdentChar(c: string): boolean {
  return isIdentStart(c) || isDigit(c);
}
function isDigit(c: string): boolean {
  return c >= "0" && c <= "9";
}

/** Simple escapes inside string literals; `\u{…}` and `\uXXXX` are handled separately. */
const ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", "0": "\0", '"': '"', "\\": "\\", "/": "/", "'": "'" };

/**
 * Splits `.gq` source into tokens. `//` line comments and `/* … *\/` block comments
 * are skipped. Fails with `ERR_PARSE` on a character that starts no token, an
 * unterminated string or comment, or an unknown escape.
 *
 * @example tokenize("$p.age >= 30").map((t) => t.text) // ["p", ".", "age", ">=", "30", ""]
 */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const here = (): SourceLocation => ({ line, column: i - lineStart + 1 });
  function fail(message: string, loc: SourceLocation): never {
    throw sourceError("ERR_PARSE", message, source, loc);
  }
  const newline = (at: number): void => {
    line++;
    lineStart = at + 1;
  };

  while (i < source.length) {
    const c = source[i] as string;
    if (c === "\n") {
      newline(i);
      i++;
      continue;
    }
    if (c === " " || c === "\t" || c === "\r" || c === "\f" || c === "\v" || c === "\uFEFF") {
      i++;
      continue;
    }
    if (c === "/" && source[i + 1] === "/") {
      while (i < source.length && source[i] !== "\n") i++;
      continue;
    }
    if (c === "/" && source[i + 1] === "*") {
      const start = here();
      i += 2;
      while (i < source.length && !(source[i] === "*" && source[i + 1] === "/")) {
        if (source[i] === "\n") newline(i);
        i++;
      }
      if (i >= source.length) fail("unterminated block comment; expected `*/`", start);
      i += 2;
      continue;
    }
    const loc = here();
    if (isIdentStart(c)) {
      let j = i + 1;
      while (j < source.length && isIdentChar(source[j] as string)) j++;
      const text = source.slice(i, j);
      tokens.push({ kind: c >= "A" && c <= "Z" ? "type" : "ident", text, loc });
      i = j;
      continue;
    }
    if (c === "$") {
      const first = source[i + 1];
      if (first === undefined || !(isIdentStart(first) && !(first >= "A" && first <= "Z"))) {
        fail("expected a variable name after `$` (a lower-case letter or `_`)", loc);
      }
      let j = i + 2;
      while (j < source.length && isIdentChar(source[j] as string)) j++;
      tokens.push({ kind: "var", text: source.slice(i + 1, j), loc });
      i = j;
      continue;
    }
    if (isDigit(c)) {
      let j = i + 1;
      while (j < source.length && isDigit(source[j] as string)) j++;
      let kind: TokenKind = "int";
      if (source[j] === "." && isDigit(source[j + 1] ?? "")) {
        j += 2;
        while (j < source.length && isDigit(source[j] as string)) j++;
        kind = "float";
      }
      if (j < source.length && isIdentChar(source[j] as string)) {
        fail("expected a number; a number cannot run into letters", loc);
      }
      tokens.push({ kind, text: source.slice(i, j), loc });
      i = j;
      continue;
    }
    if (c === '"') {
      let value = "";
      let j = i + 1;
      for (;;) {
        const ch = source[j];
        if (ch === undefined) fail("unterminated string literal; expected a closing `\"`", loc);
        if (ch === '"') break;
        if (ch === "\\") {
          const escLoc: SourceLocation = { line, column: j - lineStart + 1 };
          const e = source[j + 1];
          if (e === "u") {
            const braced = /^\{([0-9a-fA-F]{1,6})\}/.exec(source.slice(j + 2));
            const plain = /^[0-9a-fA-F]{4}/.exec(source.slice(j + 2));
            if (braced && braced[1] !== undefined && parseInt(braced[1], 16) <= 0x10ffff) {
              value += String.fromCodePoint(parseInt(braced[1], 16));
              j += 2 + braced[0].length;
            } else if (plain) {
              value += String.fromCharCode(parseInt(plain[0], 16));
              j += 6;
            } else {
              fail("invalid unicode escape; expected `\\uXXXX` or `\\u{X…}`", escLoc);
            }
            continue;
          }
          const mapped = e === undefined ? undefined : ESCAPES[e];
          if (mapped === undefined) {
            fail('unknown escape; expected one of \\n \\t \\r \\0 \\" \\\\ \\/ \\\' \\u', escLoc);
          }
          value += mapped;
          j += 2;
          continue;
        }
        if (ch === "\n") newline(j);
        value += ch;
        j++;
      }
      tokens.push({ kind: "string", text: value, loc });
      i = j + 1;
      continue;
    }
    const two = source.slice(i, i + 2);
    if (PUNCT2.includes(two)) {
      tokens.push({ kind: "punct", text: two, loc });
      i += 2;
      continue;
    }
    if (PUNCT1.has(c)) {
      tokens.push({ kind: "punct", text: c, loc });
      i++;
      continue;
    }
    if (c === "-" && isDigit(source[i + 1] ?? "")) {
      fail("integer literals are unsigned; pass a negative number as a parameter", loc);
    }
    fail(`unexpected character \`${c}\``, loc);
  }
  tokens.push({ kind: "eof", text: "", loc: here() });
  return tokens;
}
