/**
 * `compileSchema`: `.pg` source → validated `Catalog`. Parsing is in
 * parser.ts; this file checks names, resolves interfaces, collects
 * constraints and hands the result to identity.ts for ids.
 */
import { sourceError, type SourceLocation } from "../errors.ts";
import { readPropertyAnnotations, readTypeAnnotations, type PropertyAnnotations } from "./annotations.ts";
import type { DeclAst, EdgeDeclAst, InterfaceDeclAst, NodeDeclAst, PropDeclAst } from "./ast.ts";
import type { Annotation, Catalog, EdgeType, InterfaceType, NodeType, Property, PropType } from "./catalog.ts";
import { checkConstraints, type ShorthandConstraint } from "./constraints.ts";
import { assignIds } from "./identity.ts";
import { IDENT, reservedPropertyReason, TYPE_NAME } from "./names.ts";
import { parseSchema } from "./parser.ts";
import { formatPropType, propTypeEquals, resolvePropType, type FailAt } from "./prop-type.ts";

/** A property after type resolution and annotation reading, before ids. */
interface CheckedProperty {
  name: string;
  loc: SourceLocation;
  type: PropType;
  nullable: boolean;
  meta: PropertyAnnotations;
}

interface CheckedInterface {
  decl: InterfaceDeclAst;
  properties: CheckedProperty[];
}

/**
 * Parses and validates a schema into a catalog.
 *
 * Without `previous` every type and property gets a fresh id; with it, ids
 * carry over by name or through `@rename_from` (see identity.ts) and new ids
 * continue from `previous.nextId`. The catalog keeps `source` verbatim.
 *
 * @example
 * const c = compileSchema("node Person { name: String @key }");
 * c.nodes[0]?.key // ["name"]
 * @throws EngineError `ERR_PARSE` for syntax errors, `ERR_SCHEMA_INVALID`
 *   (with the location of the offending declaration) for rule violations.
 */
export function compileSchema(source: string, previous?: Catalog): Catalog {
  const ast = parseSchema(source);
  const fail: FailAt = (message, loc) => {
    throw sourceError("ERR_SCHEMA_INVALID", message, source, loc);
  };
  const decls = checkTypeNames(ast.declarations, fail);

  const interfaces = new Map<string, CheckedInterface>();
  for (const d of ast.declarations) {
    if (d.kind === "interface") interfaces.set(d.name.name, { decl: d, properties: checkInterface(d, fail) });
  }
  const types: (NodeType | EdgeType)[] = [];
  for (const d of ast.declarations) {
    if (d.kind === "node") types.push(checkNode(d, interfaces, decls, fail));
    else if (d.kind === "edge") types.push(checkEdge(d, decls, fail));
  }

  const nextId = assignIds(types, previous);
  // Interface properties are shared by every implementing node: clone so no two catalog objects alias.
  return structuredClone({
    format: 1,
    interfaces: [...interfaces.values()].map(toInterfaceType),
    nodes: types.filter((t): t is NodeType => t.kind === "node"),
    edges: types.filter((t): t is EdgeType => t.kind === "edge"),
    source,
    nextId,
  } satisfies Catalog);
}

/**
 * Type names share one namespace across interfaces, nodes and edges; edge
 * names must also differ ignoring case because queries look edges up
 * case-insensitively (`knows` → `Knows`).
 */
function checkTypeNames(declarations: DeclAst[], fail: FailAt): Map<string, DeclAst> {
  const byName = new Map<string, DeclAst>();
  const edgesLower = new Map<string, EdgeDeclAst>();
  for (const d of declarations) {
    const { name, loc } = d.name;
    if (!TYPE_NAME.test(name)) fail(`${d.kind} name '${name}' must match [A-Z][A-Za-z0-9_]*`, loc);
    const first = byName.get(name);
    if (first) fail(`'${name}' is already declared as ${first.kind} at ${at(first.name.loc)}`, loc);
    byName.set(name, d);
    if (d.kind === "edge") {
      const clash = edgesLower.get(name.toLowerCase());
      if (clash) fail(`edge '${name}' differs from edge '${clash.name.name}' only by case; edge names are case-insensitive`, loc);
      edgesLower.set(name.toLowerCase(), d);
    }
  }
  return byName;
}

function checkInterface(d: InterfaceDeclAst, fail: FailAt): CheckedProperty[] {
  const props = checkProperties(d.properties, "interface", d.name.name, fail);
  checkEmbedSources(props, d.name.name, fail);
  return props;
}

function checkNode(
  d: NodeDeclAst,
  interfaces: Map<string, CheckedInterface>,
  decls: Map<string, DeclAst>,
  fail: FailAt,
): NodeType {
  const typeName = d.name.name;
  const meta = readTypeAnnotations(d.annotations, "node", fail);
  const own = checkProperties(d.properties, "node", typeName, fail);
  const props = [...own];
  const shorthands = shorthandsOf(own);

  const implemented = new Set<string>();
  for (const ref of d.implements) {
    if (implemented.has(ref.name)) fail(`${typeName} implements '${ref.name}' twice`, ref.loc);
    implemented.add(ref.name);
    const iface = interfaces.get(ref.name);
    if (!iface) {
      const other = decls.get(ref.name);
      fail(other ? `'${ref.name}' is a ${other.kind}, not an interface` : `unknown interface '${ref.name}'`, ref.loc);
    }
    for (const ip of iface.properties) {
      const existing = props.find((p) => p.name === ip.name);
      if (!existing) {
        // Injected: the interface's own shorthands (e.g. `@key`) come with it.
        props.push(ip);
        shorthands.push(...shorthandsOf([ip]));
        continue;
      }
      if (!propTypeEquals(existing.type, ip.type) || existing.nullable !== ip.nullable) {
        const where = own.includes(existing) ? existing.loc : ref.loc;
        fail(
          `property '${ip.name}' of ${typeName} is ${formatPropType(existing.type, existing.nullable)} ` +
            `but interface ${ref.name} declares it as ${formatPropType(ip.type, ip.nullable)}`,
          where,
        );
      }
    }
  }
  checkEmbedSources(props, typeName, fail);

  const constraints = checkConstraints("node", typeName, props, shorthands, d.constraints, fail);
  return {
    kind: "node",
    id: "",
    name: typeName,
    properties: props.map(toProperty),
    key: constraints.key,
    uniques: constraints.uniques,
    indexes: constraints.indexes,
    ranges: constraints.ranges,
    checks: constraints.checks,
    implements: d.implements.map((r) => r.name),
    ...optional("description", meta.description),
    ...optional("instruction", meta.instruction),
    ...optional("renameFrom", meta.renameFrom),
    annotations: meta.annotations,
  };
}

function checkEdge(d: EdgeDeclAst, decls: Map<string, DeclAst>, fail: FailAt): EdgeType {
  const typeName = d.name.name;
  for (const end of [d.from, d.to]) {
    const target = decls.get(end.name);
    if (!target) fail(`edge ${typeName} connects unknown node type '${end.name}'`, end.loc);
    if (target.kind !== "node") fail(`edge endpoints must be node types; '${end.name}' is ${article(target.kind)}`, end.loc);
  }
  const card = d.card ?? { min: 0, loc: d.loc };
  for (const n of [card.min, card.max]) {
    if (n !== undefined && !Number.isSafeInteger(n)) fail(`@card bound ${n} is too large`, card.loc);
  }
  if (card.max !== undefined && card.min > card.max) {
    fail(`@card(${card.min}..${card.max}) is empty: min must be ≤ max`, card.loc);
  }
  const meta = readTypeAnnotations(d.annotations, "edge", fail);
  const props = checkProperties(d.properties, "edge", typeName, fail);
  for (const c of d.constraints) {
    if (c.kind !== "unique" && c.kind !== "index") fail(`edge bodies accept only @unique and @index, not @${c.kind}`, c.loc);
  }
  const constraints = checkConstraints("edge", typeName, props, shorthandsOf(props), d.constraints, fail);
  return {
    kind: "edge",
    id: "",
    name: typeName,
    from: d.from.name,
    to: d.to.name,
    card: { min: card.min, ...optional("max", card.max) },
    properties: props.map(toProperty),
    uniques: constraints.uniques,
    indexes: constraints.indexes,
    ...optional("description", meta.description),
    ...optional("instruction", meta.instruction),
    ...optional("renameFrom", meta.renameFrom),
    annotations: meta.annotations,
  };
}

function checkProperties(
  decls: PropDeclAst[],
  owner: "node" | "edge" | "interface",
  typeName: string,
  fail: FailAt,
): CheckedProperty[] {
  const out: CheckedProperty[] = [];
  for (const d of decls) {
    if (!IDENT.test(d.name)) fail(`property name '${d.name}' must match [a-z_][A-Za-z0-9_]*`, d.loc);
    const reserved = reservedPropertyReason(d.name, owner);
    if (reserved) fail(`property name '${d.name}' is reserved: ${reserved}`, d.loc);
    const first = out.find((p) => p.name === d.name);
    if (first) fail(`property '${d.name}' is declared twice in ${typeName} (first at ${at(first.loc)})`, d.loc);
    const { type, nullable } = resolvePropType(d.type, fail);
    const meta = readPropertyAnnotations(d.annotations, owner, type, fail);
    out.push({ name: d.name, loc: d.loc, type, nullable, meta });
  }
  return out;
}

/** `@embed("src")` must name a String property of the same type. */
function checkEmbedSources(props: CheckedProperty[], typeName: string, fail: FailAt): void {
  for (const p of props) {
    const embed = p.meta.embed;
    if (!embed) continue;
    const src = props.find((s) => s.name === embed.source);
    if (!src) fail(`@embed source '${embed.source}' is not a property of ${typeName}`, embed.loc);
    if (src.type.kind !== "scalar" || src.type.base !== "String") {
      fail(`@embed source '${embed.source}' must be a String property`, embed.loc);
    }
  }
}

function shorthandsOf(props: CheckedProperty[]): ShorthandConstraint[] {
  return props.flatMap((p) => p.meta.shorthands.map((s) => ({ kind: s.kind, property: p.name, loc: s.loc })));
}

function toProperty(p: CheckedProperty): Property {
  return { id: "", ...propertyBody(p, p.meta.annotations) };
}

/** Interface properties keep their shorthands as annotations: they apply where the interface is implemented. */
function toInterfaceType(i: CheckedInterface): InterfaceType {
  return {
    name: i.decl.name.name,
    properties: i.properties.map((p) => {
      const shorthands: Annotation[] = p.meta.shorthands.map((s) => ({ name: s.kind, args: [], named: {} }));
      return propertyBody(p, [...shorthands, ...p.meta.annotations]);
    }),
  };
}

function propertyBody(p: CheckedProperty, annotations: Annotation[]): Omit<Property, "id"> {
  const embed = p.meta.embed;
  return {
    name: p.name,
    type: p.type,
    nullable: p.nullable,
    ...optional("description", p.meta.description),
    ...optional("renameFrom", p.meta.renameFrom),
    ...(embed && { embed: { source: embed.source, ...optional("model", embed.model) } }),
    annotations,
  };
}

/** Spreads `{[key]: value}` only when the value is defined, so catalogs never hold `undefined` fields. */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function at(loc: SourceLocation): string {
  return `${loc.line}:${loc.column}`;
}

function article(kind: string): string {
  return kind === "interface" || kind === "edge" ? `an ${kind}` : `a ${kind}`;
}
