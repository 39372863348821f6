/**
 * Recursive-descent parser for the `.pg` schema language (omnigraph-api.md §2).
 * It checks syntax only; names, types and constraints are checked by
 * `compileSchema` (validate.ts) so the two kinds of error stay distinct:
 * `ERR_PARSE` here, `ERR_SCHEMA_INVALID` there.
 */
import { sourceError } from "../errors.ts";
import {
  BASE_TYPE_NAMES,
  type AnnotationArgAst,
  type AnnotationAst,
  type BaseTypeName,
  type CardinalityAst,
  type ConstraintAst,
  type CoreTypeAst,
  type EdgeDeclAst,
  type InterfaceDeclAst,
  type LiteralAst,
  type NameAst,
  type NodeDeclAst,
  type PropDeclAst,
  type SchemaAst,
  type TypeRefAst,
} from "./ast.ts";
import { describeToken, tokenize, type Token, type TokenKind } from "./lexer.ts";

/** Names that start a body constraint when followed by `(`. */
const CONSTRAINT_NAMES = new Set(["key", "unique", "index", "range", "check"]);
const BASE_TYPES: ReadonlySet<string> = new Set(BASE_TYPE_NAMES);
const ENUM_VALUE = /^[A-Za-z0-9_-]+$/;
const UNSIGNED_INT = /^[0-9]+$/;
const TYPE_EXPECTED = "a type (String, Blob, Bool, I32, I64, U32, U64, F32, F64, DateTime, Date, [T], enum(...) or Vector(n))";

type NumberLit = Extract<LiteralAst, { kind: "number" }>;

/**
 * Parses `.pg` source into a syntax tree.
 *
 * @example
 * parseSchema("node Person { name: String @key }").declarations[0]?.kind // "node"
 * @throws EngineError `ERR_PARSE` with the location and an excerpt; the
 *   message says what was expected and what was found.
 */
export function parseSchema(source: string): SchemaAst {
  return new SchemaParser(source, tokenize(source)).parseFile();
}

class SchemaParser {
  private pos = 0;

  constructor(
    private readonly source: string,
    private readonly tokens: Token[],
  ) {}

  parseFile(): SchemaAst {
    const declarations: SchemaAst["declarations"] = [];
    while (this.peek().kind !== "eof") {
      const t = this.peek();
      if (this.isWord(t, "interface")) declarations.push(this.parseInterface());
      else if (this.isWord(t, "node")) declarations.push(this.parseNode());
      else if (this.isWord(t, "edge")) declarations.push(this.parseEdge());
      else this.fail("'interface', 'node' or 'edge'");
    }
    return { declarations };
  }

  // ── declarations ────────────────────────────────────────────────────────

  private parseInterface(): InterfaceDeclAst {
    const kw = this.next();
    const name = this.parseName("an interface name");
    this.expect("{", "'{' to open the interface body");
    const properties: PropDeclAst[] = [];
    while (!this.at("}")) {
      if (this.peek().kind !== "word") this.fail("a property declaration (name: Type) or '}' (interfaces hold only properties)");
      properties.push(this.parseProperty());
    }
    this.next();
    return { kind: "interface", name, loc: kw.loc, properties };
  }

  private parseNode(): NodeDeclAst {
    const kw = this.next();
    const name = this.parseName("a node type name");
    const annotations: AnnotationAst[] = [];
    while (this.at("@")) annotations.push(this.parseAnnotation());
    const implementsList: NameAst[] = [];
    if (this.isWord(this.peek(), "implements")) {
      this.next();
      implementsList.push(this.parseName("an interface name after 'implements'"));
      while (this.at(",")) {
        this.next();
        implementsList.push(this.parseName("an interface name after ','"));
      }
    }
    if (!this.at("{")) {
      this.fail(implementsList.length > 0 ? "',' or '{' to open the node body" : "'{' to open the node body, an annotation or 'implements'");
    }
    const body = this.parseBody();
    return { kind: "node", name, loc: kw.loc, annotations, implements: implementsList, ...body };
  }

  private parseEdge(): EdgeDeclAst {
    const kw = this.next();
    const name = this.parseName("an edge type name");
    this.expect(":", "':' after the edge name (edge Name: From -> To)");
    const from = this.parseName("the source node type");
    this.expect("->", "'->' between the edge endpoints");
    const to = this.parseName("the destination node type");
    let card: CardinalityAst | undefined;
    if (this.at("@") && this.isWord(this.peek(1), "card")) card = this.parseCardinality();
    const annotations: AnnotationAst[] = [];
    while (this.at("@")) {
      if (this.isWord(this.peek(1), "card")) {
        this.fail("an annotation other than @card (@card must come directly after the endpoints, once)");
      }
      annotations.push(this.parseAnnotation());
    }
    const body = this.at("{") ? this.parseBody() : { properties: [], constraints: [] };
    return { kind: "edge", name, loc: kw.loc, from, to, card, annotations, ...body };
  }

  private parseCardinality(): CardinalityAst {
    const at = this.next();
    this.next(); // `card`
    this.expect("(", "'(' after @card");
    const min = this.parseUnsignedInt("a minimum count (an unsigned integer)");
    this.expect("..", "'..' in @card(min..max)");
    const max = this.peek().kind === "number" ? this.parseUnsignedInt("a maximum count") : undefined;
    this.expect(")", "')' or a maximum count to close @card(min..max)");
    return { min, max, loc: at.loc };
  }

  /** `{ (prop_decl | body_constraint)* }` of nodes and edges. */
  private parseBody(): Pick<NodeDeclAst, "properties" | "constraints"> {
    this.expect("{", "'{'");
    const properties: PropDeclAst[] = [];
    const constraints: ConstraintAst[] = [];
    while (!this.at("}")) {
      if (this.startsConstraint()) constraints.push(this.parseConstraint());
      else if (this.peek().kind === "word") properties.push(this.parseProperty());
      else {
        this.fail("a property declaration (name: Type), a body constraint (@key/@unique/@index/@range/@check(...)) or '}'");
      }
    }
    this.next();
    return { properties, constraints };
  }

  // ── properties and types ────────────────────────────────────────────────

  private parseProperty(): PropDeclAst {
    const nameTok = this.next();
    this.expect(":", `':' after property name '${nameTok.text}'`);
    const type = this.parseTypeRef();
    const annotations: AnnotationAst[] = [];
    // `@unique(a, b)` after a property is the next body constraint, not an annotation.
    while (this.at("@") && !this.startsConstraint()) annotations.push(this.parseAnnotation());
    return { name: nameTok.text, loc: nameTok.loc, type, annotations };
  }

  private parseTypeRef(): TypeRefAst {
    const loc = this.peek().loc;
    const core = this.parseCoreType();
    let nullable = false;
    if (this.at("?")) {
      this.next();
      nullable = true;
    }
    return { core, nullable, loc };
  }

  private parseCoreType(): CoreTypeAst {
    const t = this.peek();
    if (t.kind === "[") {
      this.next();
      const element = this.parseCoreType();
      this.expect("]", "']' to close the list type");
      return { kind: "list", element, loc: t.loc };
    }
    if (t.kind !== "word") return this.fail(TYPE_EXPECTED);
    if (t.text === "enum") {
      this.next();
      this.expect("(", "'(' after enum");
      const values = [this.parseEnumValue()];
      while (this.at(",")) {
        this.next();
        values.push(this.parseEnumValue());
      }
      this.expect(")", "',' or ')' in enum(...)");
      return { kind: "enum", values, loc: t.loc };
    }
    if (t.text === "Vector") {
      this.next();
      this.expect("(", "'(' after Vector");
      const dim = this.parseUnsignedInt("a vector dimension (an unsigned integer)");
      this.expect(")", "')' to close Vector(n)");
      return { kind: "vector", dim, loc: t.loc };
    }
    if (BASE_TYPES.has(t.text)) {
      this.next();
      return { kind: "base", base: t.text as BaseTypeName, loc: t.loc };
    }
    return this.fail(TYPE_EXPECTED);
  }

  /**
   * An enum value is a run of adjacent word/number/'-' tokens (`in-progress`,
   * `2x`), matching OmniGraph's `[A-Za-z0-9_-]+`.
   */
  private parseEnumValue(): { value: string; loc: Token["loc"] } {
    const first = this.peek();
    if (!isEnumPiece(first)) return this.fail("an enum value ([A-Za-z0-9_-]+)");
    let end = first.end;
    this.next();
    while (isEnumPiece(this.peek()) && this.peek().start === end) end = this.next().end;
    const value = this.source.slice(first.start, end);
    if (!ENUM_VALUE.test(value)) {
      throw sourceError("ERR_PARSE", `expected an enum value ([A-Za-z0-9_-]+) but found '${value}'`, this.source, first.loc);
    }
    return { value, loc: first.loc };
  }

  // ── annotations and constraints ─────────────────────────────────────────

  private startsConstraint(): boolean {
    const name = this.peek(1);
    return this.at("@") && name.kind === "word" && CONSTRAINT_NAMES.has(name.text) && this.peek(2).kind === "(";
  }

  private parseAnnotation(): AnnotationAst {
    const at = this.next();
    const nameTok = this.peek();
    if (nameTok.kind !== "word") this.fail("an annotation name after '@'");
    this.next();
    const ann: AnnotationAst = { name: nameTok.text, loc: at.loc, named: [] };
    if (!this.at("(")) return ann;
    this.next();
    if (this.peek().kind === "word" && this.peek(1).kind === "=") {
      this.fail("a positional argument (named arguments come after it)");
    }
    ann.arg = this.parseAnnotationArg();
    while (this.at(",")) {
      this.next();
      const key = this.peek();
      if (key.kind !== "word") this.fail("a named argument (name=value)");
      this.next();
      this.expect("=", `'=' after argument name '${key.text}'`);
      ann.named.push({ name: key.text, value: this.parseLiteral(), loc: key.loc });
    }
    this.expect(")", "',' or ')' in the annotation arguments");
    return ann;
  }

  private parseAnnotationArg(): AnnotationArgAst {
    const t = this.peek();
    if (t.kind === "word" && t.text !== "true" && t.text !== "false") {
      this.next();
      return { kind: "ident", value: t.text, loc: t.loc };
    }
    return this.parseLiteral();
  }

  private parseLiteral(): LiteralAst {
    const t = this.peek();
    if (t.kind === "string") {
      this.next();
      return { kind: "string", value: t.value ?? "", loc: t.loc };
    }
    if (t.kind === "number") {
      this.next();
      return numberLit(t);
    }
    if (this.isWord(t, "true") || this.isWord(t, "false")) {
      this.next();
      return { kind: "bool", value: t.text === "true", loc: t.loc };
    }
    return this.fail("a literal (string, number, true or false)");
  }

  private parseConstraint(): ConstraintAst {
    const at = this.next();
    const kind = this.next().text;
    this.next(); // `(`
    if (kind === "range") {
      const property = this.parseName("a property name");
      this.expect(",", "',' and a range (min..max) after the property");
      const { min, max } = this.parseRangeBounds();
      this.expect(")", "')' to close @range");
      return { kind: "range", property, min, max, loc: at.loc };
    }
    if (kind === "check") {
      const property = this.parseName("a property name");
      this.expect(",", "',' and a quoted pattern after the property");
      const t = this.peek();
      if (t.kind !== "string") this.fail('a quoted regular expression ("...")');
      this.next();
      this.expect(")", "')' to close @check");
      return { kind: "check", property, pattern: { kind: "string", value: t.value ?? "", loc: t.loc }, loc: at.loc };
    }
    // A value where property names belong (`@unique("x")`) is well-formed syntax used
    // wrongly: a schema rule, not a parse error.
    const value = this.peek();
    if (value.kind === "string" || value.kind === "number") {
      throw sourceError("ERR_SCHEMA_INVALID", `@${kind} takes property names, not a value; write \`name: Type @${kind}\` or \`@${kind}(name, …)\` in the body`, this.source, value.loc);
    }
    const properties = [this.parseName("a property name")];
    while (this.at(",")) {
      this.next();
      properties.push(this.parseName("a property name"));
    }
    this.expect(")", `',' or ')' in @${kind}(...)`);
    return { kind: kind as "key" | "unique" | "index", properties, loc: at.loc };
  }

  /** `min..max`, `min..` or `..max`; numbers may be negative or fractional. */
  private parseRangeBounds(): { min?: NumberLit | undefined; max?: NumberLit | undefined } {
    const expected = "a range such as 1900..2100, 0.. or ..100";
    let min: NumberLit | undefined;
    if (this.peek().kind === "number") min = numberLit(this.next());
    if (!this.at("..")) this.fail(expected);
    this.next();
    let max: NumberLit | undefined;
    if (this.peek().kind === "number") max = numberLit(this.next());
    else if (min === undefined) this.fail(expected);
    return { min, max };
  }

  // ── token helpers ───────────────────────────────────────────────────────

  /** A word in a name position; naming rules are checked by the validator. */
  private parseName(what: string): NameAst {
    const t = this.peek();
    if (t.kind !== "word") this.fail(what);
    this.next();
    return { name: t.text, loc: t.loc };
  }

  private parseUnsignedInt(what: string): number {
    const t = this.peek();
    if (t.kind !== "number" || !UNSIGNED_INT.test(t.text)) this.fail(what);
    this.next();
    return Number(t.text);
  }

  private peek(offset = 0): Token {
    // The last token is always eof, so clamping never leaves the array.
    return this.tokens[Math.min(this.pos + offset, this.tokens.length - 1)] as Token;
  }

  private next(): Token {
    const t = this.peek();
    if (this.pos < this.tokens.length - 1) this.pos++;
    return t;
  }

  private at(kind: TokenKind): boolean {
    return this.peek().kind === kind;
  }

  private isWord(t: Token, text: string): boolean {
    return t.kind === "word" && t.text === text;
  }

  private expect(kind: TokenKind, what: string): Token {
    if (!this.at(kind)) this.fail(what);
    return this.next();
  }

  private fail(expected: string): never {
    const t = this.peek();
    throw sourceError("ERR_PARSE", `expected ${expected} but found ${describeToken(t)}`, this.source, t.loc);
  }
}

function isEnumPiece(t: Token): boolean {
  return t.kind === "word" || t.kind === "number" || t.kind === "-";
}

function numberLit(t: Token): NumberLit {
  // `+ 0` turns -0 into 0: JSON cannot keep -0, and a stored catalog must read back equal.
  return { kind: "number", value: Number(t.text) + 0, raw: t.text, loc: t.loc };
}
