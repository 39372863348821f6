/**
 * A cursor over `.gq` tokens with the parser's primitive moves: look ahead,
 * consume, expect a token of a kind, and fail with `ERR_PARSE` saying what was
 * expected at the token's location.
 */
import { sourceError, type SourceLocation } from "../errors.ts";
import { tokenize, type Token } from "./lexer.ts";

/** Deepest nesting of `not { }` blocks, calls and list literals (guards the recursion). */
export const MAX_NESTING = 64;

export class TokenCursor {
  protected readonly tokens: Token[];
  protected pos = 0;
  private depth = 0;

  constructor(protected readonly source: string) {
    this.tokens = tokenize(source);
  }

  protected peek(ahead = 0): Token {
    return this.tokens[Math.min(this.pos + ahead, this.tokens.length - 1)] as Token;
  }

  protected next(): Token {
    const t = this.peek();
    if (t.kind !== "eof") this.pos++;
    return t;
  }

  protected isPunct(t: Token, text: string): boolean {
    return t.kind === "punct" && t.text === text;
  }

  protected isWord(t: Token, text: string): boolean {
    return t.kind === "ident" && t.text === text;
  }

  protected describe(t: Token): string {
    switch (t.kind) {
      case "eof": return "end of input";
      case "string": return "a string literal";
      case "var": return `\`$${t.text}\``;
      default: return `\`${t.text}\``;
    }
  }

  protected fail(message: string, at: Token | SourceLocation = this.peek()): never {
    const loc = "kind" in at ? at.loc : at;
    throw sourceError("ERR_PARSE", message, this.source, loc);
  }

  protected expected(what: string, t: Token = this.peek()): never {
    return this.fail(`expected ${what}, found ${this.describe(t)}`, t);
  }

  protected expectPunct(text: string, context = ""): Token {
    const t = this.peek();
    if (!this.isPunct(t, text)) this.expected(`\`${text}\`${context}`);
    return this.next();
  }

  protected expectWord(text: string, context = ""): Token {
    const t = this.peek();
    if (!this.isWord(t, text)) this.expected(`\`${text}\`${context}`);
    return this.next();
  }

  protected expectIdent(what: string): Token {
    const t = this.peek();
    if (t.kind !== "ident") this.expected(what);
    return this.next();
  }

  protected expectTypeName(what: string): Token {
    const t = this.peek();
    if (t.kind !== "type") this.expected(what);
    return this.next();
  }

  protected expectVar(what: string): Token {
    const t = this.peek();
    if (t.kind !== "var") this.expected(what);
    return this.next();
  }

  protected expectString(what: string): Token {
    const t = this.peek();
    if (t.kind !== "string") this.expected(what);
    return this.next();
  }

  protected expectSmallInt(what: string): number {
    const t = this.peek();
    if (t.kind !== "int") this.expected(what);
    const value = Number(t.text);
    if (!Number.isSafeInteger(value)) this.fail(`${what} is too large`, t);
    this.next();
    return value;
  }

  /** Runs `parse` one nesting level deeper, refusing input nested beyond `MAX_NESTING`. */
  protected nested<T>(parse: () => T): T {
    if (this.depth >= MAX_NESTING) this.fail(`nesting deeper than ${MAX_NESTING} levels`);
    this.depth++;
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  protected skipComma(): void {
    if (this.isPunct(this.peek(), ",")) this.next();
  }
}
