/**
 * Recursive-descent parser for `.gq` source (contract §3). Produces one
 * `QueryAst` per `query` declaration; every node carries its line:column.
 * Syntax errors are `ERR_PARSE` with the location and an excerpt, and the
 * message says what was expected.
 */
import type { ScalarBase } from "../schema/catalog.ts";
import type {
  AggregateFn,
  AssignmentAst,
  BindingAst,
  ClauseAst,
  CompareOp,
  ExprAst,
  LiteralAst,
  MutationStatementAst,
  OrderAst,
  ParamAst,
  ParamTypeAst,
  ProjectionAst,
  QueryAst,
  ReadBodyAst,
  SearchFn,
  TraversalAst,
  ValueAst,
  WhereAst,
} from "./ast.ts";
import { TokenCursor } from "./cursor.ts";

export { MAX_NESTING } from "./cursor.ts";

const SCALAR_BASES = new Set<string>([
  "String", "Blob", "Bool", "I32", "I64", "U32", "U64", "F32", "F64", "DateTime", "Date",
]);
const AGGREGATES = new Set<string>(["count", "sum", "avg", "min", "max"]);
/** Search functions and their accepted argument counts. */
const SEARCH_ARITY: Record<SearchFn, [number, number]> = {
  search: [2, 2],
  fuzzy: [2, 3],
  match_text: [2, 2],
  bm25: [2, 2],
  rrf: [2, 3],
};
const CLAUSE_SEARCH_FNS = new Set<string>(["search", "fuzzy", "match_text"]);
const PUNCT_OPS = new Set<string>(["=", "!=", "<", "<=", ">", ">="]);
const WORD_OPS = new Set<string>(["contains", "starts_with"]);
const OPS_TEXT = "`=`, `!=`, `<`, `<=`, `>`, `>=`, `contains` or `starts_with`";

/**
 * Parses every `query` declaration in `source`.
 *
 * @throws EngineError `ERR_PARSE` on a syntax error or a query name declared twice.
 * @example
 * const [q] = parseQueries('query adults() { match { $p: Person $p.age > 30 } return { $p.name } }');
 * q.body.kind // "read"
 */
export function parseQueries(source: string): QueryAst[] {
  return new Parser(source).parseFile();
}

class Parser extends TokenCursor {

  parseFile(): QueryAst[] {
    const queries: QueryAst[] = [];
    const seen = new Set<string>();
    while (this.peek().kind !== "eof") {
      const nameTok = this.peek(1);
      const query = this.parseQuery();
      if (seen.has(query.name)) this.fail(`query \`${query.name}\` is declared twice; query names must be unique`, nameTok);
      seen.add(query.name);
      queries.push(query);
    }
    return queries;
  }

  // ── declarations ─────────────────────────────────────────────────────

  private parseQuery(): QueryAst {
    const start = this.expectWord("query", " to start a query declaration");
    const nameTok = this.peek();
    if (nameTok.kind === "type") this.fail("expected a query name starting with a lower-case letter or `_`", nameTok);
    const name = this.expectIdent("a query name").text;
    this.expectPunct("(", " after the query name");
    const params: ParamAst[] = [];
    if (!this.isPunct(this.peek(), ")")) {
      params.push(this.parseParam());
      while (this.isPunct(this.peek(), ",")) {
        this.next();
        params.push(this.parseParam());
      }
    }
    this.expectPunct(")", " or `,` after a parameter");
    let description: string | undefined;
    let instruction: string | undefined;
    while (this.isPunct(this.peek(), "@")) {
      const at = this.next();
      const which = this.peek();
      if (!this.isWord(which, "description") && !this.isWord(which, "instruction")) {
        this.expected("`description` or `instruction` after `@`", which);
      }
      this.next();
      this.expectPunct("(");
      const text = this.expectString("a string literal").text;
      this.expectPunct(")");
      if (which.text === "description") {
        if (description !== undefined) this.fail("`@description` is given twice", at);
        description = text;
      } else {
        if (instruction !== undefined) this.fail("`@instruction` is given twice", at);
        instruction = text;
      }
    }
    this.expectPunct("{", " to open the query body");
    const t = this.peek();
    let body: QueryAst["body"];
    if (this.isWord(t, "match")) {
      body = this.parseReadBody();
      if (!this.isPunct(this.peek(), "}")) this.expected("`order`, `limit` or `}`");
    } else if (this.isWord(t, "insert") || this.isWord(t, "update") || this.isWord(t, "delete")) {
      const statements: MutationStatementAst[] = [];
      while (this.isWord(this.peek(), "insert") || this.isWord(this.peek(), "update") || this.isWord(this.peek(), "delete")) {
        statements.push(this.parseMutationStatement());
      }
      if (!this.isPunct(this.peek(), "}")) this.expected("`insert`, `update`, `delete` or `}`");
      body = { kind: "mutation", statements };
    } else {
      this.expected("`match`, `insert`, `update` or `delete`");
    }
    this.expectPunct("}");
    return { name, params, description, instruction, body, loc: start.loc };
  }

  private parseParam(): ParamAst {
    const v = this.expectVar("a parameter (`$name: Type`)");
    this.expectPunct(":", " after the parameter name");
    const type = this.parseParamType();
    let nullable = false;
    if (this.isPunct(this.peek(), "?")) {
      this.next();
      nullable = true;
    }
    return { name: v.text, type, nullable, loc: v.loc };
  }

  private parseParamType(): ParamTypeAst {
    const t = this.peek();
    const what = "a parameter type (String, Blob, Bool, I32, I64, U32, U64, F32, F64, Date, DateTime, [T] or Vector(n))";
    if (this.isPunct(t, "[")) {
      this.next();
      const base = this.parseBase(what);
      this.expectPunct("]", " to close the list type");
      return { kind: "list", base };
    }
    if (t.kind === "type" && t.text === "Vector") {
      this.next();
      this.expectPunct("(", " after `Vector`");
      const dim = this.expectSmallInt("the vector dimension");
      this.expectPunct(")");
      return { kind: "vector", dim };
    }
    return { kind: "scalar", base: this.parseBase(what) };
  }

  private parseBase(what: string): ScalarBase {
    const t = this.peek();
    if (t.kind !== "type" || !SCALAR_BASES.has(t.text)) this.expected(what);
    this.next();
    return t.text as ScalarBase;
  }

  // ── read queries ─────────────────────────────────────────────────────

  private parseReadBody(): ReadBodyAst {
    this.expectWord("match");
    this.expectPunct("{", " after `match`");
    const match = this.parseClauses();
    this.expectPunct("}", " to close `match`");
    if (!this.isWord(this.peek(), "return")) this.expected("`return` after the match clause");
    this.next();
    this.expectPunct("{", " after `return`");
    const returns: ProjectionAst[] = [];
    do {
      const expr = this.parseExpr();
      let alias: string | undefined;
      if (this.isWord(this.peek(), "as")) {
        this.next();
        alias = this.expectIdent("an alias name after `as`").text;
      }
      this.skipComma();
      returns.push({ expr, alias, loc: expr.loc });
    } while (!this.isPunct(this.peek(), "}") && this.peek().kind !== "eof");
    this.expectPunct("}", " to close `return`");
    const order: OrderAst[] = [];
    if (this.isWord(this.peek(), "order")) {
      this.next();
      this.expectPunct("{", " after `order`");
      do {
        const expr = this.parseExpr();
        let direction: OrderAst["direction"];
        if (this.isWord(this.peek(), "asc") || this.isWord(this.peek(), "desc")) {
          direction = this.next().text as "asc" | "desc";
        }
        this.skipComma();
        order.push({ expr, direction, loc: expr.loc });
      } while (!this.isPunct(this.peek(), "}") && this.peek().kind !== "eof");
      this.expectPunct("}", " to close `order`");
    }
    let limit: number | undefined;
    if (this.isWord(this.peek(), "limit")) {
      this.next();
      limit = this.expectSmallInt("an integer after `limit`");
    }
    return { kind: "read", match, returns, order, limit };
  }

  /** `clause+` up to (not including) the closing `}`. */
  private parseClauses(): ClauseAst[] {
    const clauses: ClauseAst[] = [];
    do {
      clauses.push(this.parseClause());
    } while (!this.isPunct(this.peek(), "}") && this.peek().kind !== "eof");
    return clauses;
  }

  private parseClause(): ClauseAst {
    return this.nested(() => this.parseClauseInner());
  }

  private parseClauseInner(): ClauseAst {
    const t = this.peek();
    if (this.isPunct(t, "}")) this.expected("a match clause (binding, traversal, filter or `not { … }`)");
    if (this.isWord(t, "not") && this.isPunct(this.peek(1), "{")) {
      this.next();
      this.next();
      const clauses = this.parseClauses();
      this.expectPunct("}", " to close `not`");
      return { kind: "not", clauses, loc: t.loc };
    }
    if (t.kind === "var") {
      const n1 = this.peek(1);
      if (this.isPunct(n1, ":")) return this.parseBinding();
      if (n1.kind === "var") return this.parseTraversal();
      // `$a <edge> $b`; `$a < ident` can only be a broken traversal (aliases mean nothing in match)
      const n2 = this.peek(2);
      if (this.isPunct(n1, "<") && n2.kind === "ident" && n2.text !== "true" && n2.text !== "false" && !this.isPunct(this.peek(3), "(")) {
        return this.parseTraversal();
      }
      if (n1.kind === "ident" && !WORD_OPS.has(n1.text)) return this.parseTraversal();
      if (n1.kind === "type") {
        this.fail(`traversals name the edge with a lower-case initial (\`${n1.text[0]?.toLowerCase()}${n1.text.slice(1)}\` for \`${n1.text}\`)`, n1);
      }
    }
    const left = this.parseExpr();
    const opTok = this.peek();
    const op = this.parseOp();
    if (op !== undefined) {
      const right = this.parseExpr();
      return { kind: "filter", left, op, right, loc: left.loc };
    }
    if (left.kind === "call" && CLAUSE_SEARCH_FNS.has(left.fn)) {
      return { kind: "predicate", call: left, loc: left.loc };
    }
    return this.expected(`a comparison operator (${OPS_TEXT})`, opTok);
  }

  private parseOp(): CompareOp | undefined {
    const t = this.peek();
    if ((t.kind === "punct" && PUNCT_OPS.has(t.text)) || (t.kind === "ident" && WORD_OPS.has(t.text))) {
      this.next();
      return t.text as CompareOp;
    }
    return undefined;
  }

  private parseBinding(): BindingAst {
    const v = this.next();
    this.expectPunct(":");
    const typeTok = this.expectTypeName("a node type name (upper-case initial) after `:`");
    const props: AssignmentAst[] = [];
    if (this.isPunct(this.peek(), "{")) {
      this.next();
      props.push(...this.parseAssignments("a property name"));
      this.expectPunct("}", " to close the property match");
    }
    return { kind: "binding", var: v.text, typeName: typeTok.text, props, loc: v.loc };
  }

  private parseTraversal(): TraversalAst {
    const src = this.next();
    let edgeVar: string | undefined;
    if (this.peek().kind === "var") {
      edgeVar = this.next().text;
      this.expectPunct(":", " after the edge variable");
    }
    let undirected = false;
    let edge: string;
    if (this.isPunct(this.peek(), "<")) {
      this.next();
      undirected = true;
      edge = this.expectIdent("an edge name inside `< >`").text;
      this.expectPunct(">", " to close the undirected edge");
    } else {
      const t = this.peek();
      if (t.kind === "type") {
        this.fail(`traversals name the edge with a lower-case initial (\`${t.text[0]?.toLowerCase()}${t.text.slice(1)}\` for \`${t.text}\`)`, t);
      }
      edge = this.expectIdent("an edge name").text;
    }
    let bounds: TraversalAst["bounds"];
    if (this.isPunct(this.peek(), "{")) {
      this.next();
      const min = this.expectSmallInt("the minimum hop count");
      this.expectPunct(",", " in traversal bounds `{min,max}`");
      let max: number | undefined;
      if (this.peek().kind === "int") max = this.expectSmallInt("the maximum hop count");
      this.expectPunct("}", " to close the traversal bounds");
      bounds = { min, max };
    }
    const dst = this.expectVar("the destination variable of the traversal");
    return { kind: "traversal", src: src.text, edgeVar, edge, undirected, bounds, dst: dst.text, loc: src.loc };
  }

  /** `(ident ":" value ","?)+` up to the closing `}`. */
  private parseAssignments(what: string): AssignmentAst[] {
    const out: AssignmentAst[] = [];
    do {
      const name = this.expectIdent(what);
      this.expectPunct(":", ` after \`${name.text}\``);
      const value = this.parseValue();
      out.push({ name: name.text, value, loc: name.loc });
      this.skipComma();
    } while (!this.isPunct(this.peek(), "}") && this.peek().kind !== "eof");
    return out;
  }

  // ── expressions ──────────────────────────────────────────────────────

  private parseExpr(): ExprAst {
    return this.nested(() => this.parseExprInner());
  }

  private parseExprInner(): ExprAst {
    const t = this.peek();
    if (t.kind === "var") {
      this.next();
      if (this.isPunct(this.peek(), ".")) {
        this.next();
        const prop = this.expectIdent("a property name after `.`");
        return { kind: "prop", var: t.text, prop: prop.text, loc: t.loc };
      }
      return { kind: "var", name: t.text, loc: t.loc };
    }
    if (t.kind === "ident" && this.isPunct(this.peek(1), "(")) {
      const name = t.text;
      if (name === "now") return this.parseNow();
      if (name === "date" || name === "datetime") return this.parseLiteral();
      if (AGGREGATES.has(name)) {
        this.next();
        this.next();
        const arg = this.parseExpr();
        this.expectPunct(")", ` to close \`${name}(\``);
        return { kind: "agg", fn: name as AggregateFn, arg, loc: t.loc };
      }
      if (name === "nearest") {
        this.next();
        this.next();
        const target = this.parseExpr();
        if (target.kind !== "prop") this.fail("expected `$var.property` as the first argument of `nearest`", target.loc);
        this.expectPunct(",", " between the arguments of `nearest`");
        const query = this.parseExpr();
        this.expectPunct(")", " to close `nearest(`");
        return { kind: "nearest", var: target.var, prop: target.prop, query, loc: t.loc };
      }
      if (name in SEARCH_ARITY) {
        const fn = name as SearchFn;
        this.next();
        this.next();
        const args: ExprAst[] = [this.parseExpr()];
        while (this.isPunct(this.peek(), ",")) {
          this.next();
          args.push(this.parseExpr());
        }
        const [lo, hi] = SEARCH_ARITY[fn];
        if (args.length < lo || args.length > hi) {
          this.fail(`\`${fn}\` takes ${lo === hi ? lo : `${lo} or ${hi}`} arguments, got ${args.length}`, t);
        }
        this.expectPunct(")", ` to close \`${fn}(\``);
        return { kind: "call", fn, args, loc: t.loc };
      }
      this.fail(`unknown function \`${name}\`; expected now, date, datetime, count, sum, avg, min, max, nearest, search, fuzzy, match_text, bm25 or rrf`, t);
    }
    if (t.kind === "ident" && t.text !== "true" && t.text !== "false") {
      this.next();
      return { kind: "alias", name: t.text, loc: t.loc };
    }
    if (t.kind === "string" || t.kind === "int" || t.kind === "float" || t.kind === "ident" || this.isPunct(t, "[")) {
      return this.parseLiteral();
    }
    return this.expected("an expression");
  }

  private parseNow(): ExprAst & { kind: "now" } {
    const t = this.next();
    this.expectPunct("(");
    this.expectPunct(")", " (`now()` takes no arguments)");
    return { kind: "now", loc: t.loc };
  }

  private parseLiteral(): LiteralAst {
    return this.nested(() => this.parseLiteralInner());
  }

  private parseLiteralInner(): LiteralAst {
    const t = this.peek();
    switch (t.kind) {
      case "string":
        this.next();
        return { kind: "string", value: t.text, loc: t.loc };
      case "int":
        this.next();
        return { kind: "int", value: BigInt(t.text), loc: t.loc };
      case "float":
        this.next();
        return { kind: "float", value: Number(t.text), raw: t.text, loc: t.loc };
      case "ident":
        if (t.text === "true" || t.text === "false") {
          this.next();
          return { kind: "bool", value: t.text === "true", loc: t.loc };
        }
        if ((t.text === "date" || t.text === "datetime") && this.isPunct(this.peek(1), "(")) {
          this.next();
          this.next();
          const text = this.expectString(`a string literal inside \`${t.text}(\``).text;
          this.expectPunct(")", ` to close \`${t.text}(\``);
          return { kind: t.text, value: text, loc: t.loc };
        }
        break;
      case "punct":
        if (t.text === "[") {
          this.next();
          const items: LiteralAst[] = [];
          if (!this.isPunct(this.peek(), "]")) {
            items.push(this.parseLiteral());
            while (this.isPunct(this.peek(), ",")) {
              this.next();
              items.push(this.parseLiteral());
            }
          }
          this.expectPunct("]", " or `,` in the list literal");
          return { kind: "list", items, loc: t.loc };
        }
        break;
      default:
        break;
    }
    return this.expected("a literal (string, number, true, false, date(\"…\"), datetime(\"…\") or [ … ])");
  }

  /** `literal | $param | now()` */
  private parseValue(): ValueAst {
    const t = this.peek();
    if (t.kind === "var") {
      this.next();
      if (this.isPunct(this.peek(), ".")) this.fail("expected a literal, a `$parameter` or `now()`; property references are not values here", t);
      return { kind: "var", name: t.text, loc: t.loc };
    }
    if (this.isWord(t, "now") && this.isPunct(this.peek(1), "(")) return this.parseNow();
    const isLiteralStart =
      t.kind === "string" || t.kind === "int" || t.kind === "float" || this.isPunct(t, "[") ||
      this.isWord(t, "true") || this.isWord(t, "false") ||
      ((this.isWord(t, "date") || this.isWord(t, "datetime")) && this.isPunct(this.peek(1), "("));
    if (!isLiteralStart) this.expected("a value (a literal, a `$parameter` or `now()`)");
    return this.parseLiteral();
  }

  // ── mutations ────────────────────────────────────────────────────────

  private parseMutationStatement(): MutationStatementAst {
    const kw = this.next();
    const typeName = this.expectTypeName(`a type name after \`${kw.text}\``).text;
    if (kw.text === "insert") {
      this.expectPunct("{", ` after \`insert ${typeName}\``);
      const values = this.parseAssignments("a property name");
      this.expectPunct("}", " to close the insert body");
      return { kind: "insert", typeName, values, loc: kw.loc };
    }
    if (kw.text === "update") {
      this.expectWord("set", ` after \`update ${typeName}\``);
      this.expectPunct("{", " after `set`");
      const set = this.parseAssignments("a property name");
      this.expectPunct("}", " to close the `set` body");
      this.expectWord("where", " after the `set` body");
      return { kind: "update", typeName, set, where: this.parseWhere(), loc: kw.loc };
    }
    this.expectWord("where", ` after \`delete ${typeName}\``);
    return { kind: "delete", typeName, where: this.parseWhere(), loc: kw.loc };
  }

  private parseWhere(): WhereAst[] {
    const out: WhereAst[] = [];
    for (;;) {
      const name = this.expectIdent("a property name after `where`");
      const opTok = this.peek();
      const op = this.parseOp();
      if (op === undefined) this.expected(`a comparison operator (${OPS_TEXT})`, opTok);
      const value = this.parseValue();
      out.push({ name: name.text, op, value, loc: name.loc });
      if (!this.isWord(this.peek(), "and")) return out;
      this.next();
    }
  }
}
