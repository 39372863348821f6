/**
 * Prints a query AST back to `.gq` source. `parseQueries(printQuery(q))` yields
 * `q` again (locations aside) — except for a match filter `$a < name` (a variable
 * compared with an alias), which reads back as the start of `$a <edge> $b`; such a
 * filter never type-checks anyway. The type checker uses `printExpr` as the
 * canonical form when it compares two expressions.
 */
import type { ClauseAst, ExprAst, MutationStatementAst, ParamTypeAst, QueryAst, ValueAst, WhereAst, AssignmentAst } from "./ast.ts";

/** Quotes a string literal, escaping what the lexer would not read back verbatim. */
export function printString(value: string): string {
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    const code = c.charCodeAt(0);
    if (c === '"') out += '\\"';
    else if (c === "\\") out += "\\\\";
    else if (c === "\n") out += "\\n";
    else if (c === "\t") out += "\\t";
    else if (c === "\r") out += "\\r";
    else if (code < 0x20 || code === 0x7f || (code >= 0xd800 && code <= 0xdfff)) {
      out += `\\u${code.toString(16).padStart(4, "0")}`;
    } else out += c;
  }
  return `${out}"`;
}

/** Prints one expression (or value) on one line. */
export function printExpr(e: ExprAst | ValueAst): string {
  switch (e.kind) {
    case "string": return printString(e.value);
    case "int": return e.value.toString();
    case "float": return e.raw;
    case "bool": return String(e.value);
    case "date": return `date(${printString(e.value)})`;
    case "datetime": return `datetime(${printString(e.value)})`;
    case "list": return `[${e.items.map(printExpr).join(", ")}]`;
    case "now": return "now()";
    case "prop": return `$${e.var}.${e.prop}`;
    case "var": return `$${e.name}`;
    case "alias": return e.name;
    case "agg": return `${e.fn}(${printExpr(e.arg)})`;
    case "nearest": return `nearest($${e.var}.${e.prop}, ${printExpr(e.query)})`;
    case "call": return `${e.fn}(${e.args.map(printExpr).join(", ")})`;
  }
}

function printParamType(t: ParamTypeAst): string {
  switch (t.kind) {
    case "scalar": return t.base;
    case "list": return `[${t.base}]`;
    case "vector": return `Vector(${t.dim})`;
  }
}

function printAssignments(items: AssignmentAst[]): string {
  return items.map((a) => `${a.name}: ${printExpr(a.value)}`).join(", ");
}

function printWhere(items: WhereAst[]): string {
  return items.map((w) => `${w.name} ${w.op} ${printExpr(w.value)}`).join(" and ");
}

function printClause(c: ClauseAst, indent: string): string {
  switch (c.kind) {
    case "binding":
      return `${indent}$${c.var}: ${c.typeName}${c.props.length ? ` { ${printAssignments(c.props)} }` : ""}`;
    case "traversal": {
      const edgeVar = c.edgeVar === undefined ? "" : `$${c.edgeVar}:`;
      const edge = c.undirected ? `<${c.edge}>` : c.edge;
      const bounds = c.bounds ? `{${c.bounds.min},${c.bounds.max ?? ""}}` : "";
      return `${indent}$${c.src} ${edgeVar}${edge}${bounds} $${c.dst}`;
    }
    case "filter":
      return `${indent}${printExpr(c.left)} ${c.op} ${printExpr(c.right)}`;
    case "predicate":
      return `${indent}${printExpr(c.call)}`;
    case "not":
      return `${indent}not {\n${c.clauses.map((x) => printClause(x, `${indent}  `)).join("\n")}\n${indent}}`;
  }
}

function printStatement(s: MutationStatementAst): string {
  switch (s.kind) {
    case "insert": return `  insert ${s.typeName} { ${printAssignments(s.values)} }`;
    case "update": return `  update ${s.typeName} set { ${printAssignments(s.set)} } where ${printWhere(s.where)}`;
    case "delete": return `  delete ${s.typeName} where ${printWhere(s.where)}`;
  }
}

/**
 * Prints one query declaration as `.gq` source.
 *
 * @example printQuery(parseQueries(src)[0]!) // normalised source of the first query
 */
export function printQuery(q: QueryAst): string {
  const params = q.params.map((p) => `$${p.name}: ${printParamType(p.type)}${p.nullable ? "?" : ""}`).join(", ");
  const lines = [`query ${q.name}(${params})`];
  if (q.description !== undefined) lines.push(`  @description(${printString(q.description)})`);
  if (q.instruction !== undefined) lines.push(`  @instruction(${printString(q.instruction)})`);
  lines.push("{");
  if (q.body.kind === "read") {
    const b = q.body;
    lines.push("  match {", ...b.match.map((c) => printClause(c, "    ")), "  }");
    lines.push(`  return { ${b.returns.map((p) => printExpr(p.expr) + (p.alias === undefined ? "" : ` as ${p.alias}`)).join(", ")} }`);
    if (b.order.length > 0) {
      lines.push(`  order { ${b.order.map((o) => printExpr(o.expr) + (o.direction === undefined ? "" : ` ${o.direction}`)).join(", ")} }`);
    }
    if (b.limit !== undefined) lines.push(`  limit ${b.limit}`);
  } else {
    lines.push(...q.body.statements.map(printStatement));
  }
  lines.push("}");
  return lines.join("\n");
}

/** Prints several declarations separated by blank lines. */
export function printQueries(qs: QueryAst[]): string {
  return qs.map(printQuery).join("\n\n");
}
