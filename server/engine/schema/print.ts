/**
 * Writes a catalog back as canonical `.pg` text. Compiling the output gives
 * the same catalog (ids aside), which makes it a formatter and a test oracle
 * for the parser and validator. Comments and the original layout are not
 * kept: the catalog's `source` holds those.
 */
import type { Annotation, AnnotationValue, Catalog, EdgeType, NodeType, Property } from "./catalog.ts";
import { formatPropType } from "./prop-type.ts";

/**
 * Canonical schema text for `catalog`. Nodes list every property, including
 * those an interface injected (an identical redeclaration is allowed), and
 * constraints are written as body constraints.
 *
 * @example
 * printSchema(compileSchema("node A{x:I32 @key}")) // "node A {\n  x: I32\n  @key(x)\n}\n"
 */
export function printSchema(catalog: Catalog): string {
  const blocks: string[] = [];
  for (const i of catalog.interfaces) {
    blocks.push(`interface ${i.name} {\n${i.properties.map((p) => `  ${printProperty(p)}\n`).join("")}}\n`);
  }
  for (const n of catalog.nodes) blocks.push(printNode(n));
  for (const e of catalog.edges) blocks.push(printEdge(e));
  return blocks.join("\n");
}

function printNode(n: NodeType): string {
  const head = [`node ${n.name}`, ...typeAnnotations(n)];
  if (n.implements.length > 0) head.push(`implements ${n.implements.join(", ")}`);
  const body = n.properties.map(printProperty);
  if (n.key.length > 0) body.push(`@key(${n.key.join(", ")})`);
  body.push(...lists(n));
  for (const r of n.ranges) body.push(`@range(${r.property}, ${bound(r.min)}..${bound(r.max)})`);
  for (const c of n.checks) body.push(`@check(${c.property}, ${quote(c.pattern)})`);
  return `${head.join(" ")} {\n${body.map((l) => `  ${l}\n`).join("")}}\n`;
}

function printEdge(e: EdgeType): string {
  const head = [`edge ${e.name}: ${e.from} -> ${e.to}`];
  if (e.card.min !== 0 || e.card.max !== undefined) head.push(`@card(${e.card.min}..${e.card.max ?? ""})`);
  head.push(...typeAnnotations(e));
  const body = [...e.properties.map(printProperty), ...lists(e)];
  return body.length === 0 ? `${head.join(" ")}\n` : `${head.join(" ")} {\n${body.map((l) => `  ${l}\n`).join("")}}\n`;
}

function lists(t: NodeType | EdgeType): string[] {
  return [
    ...t.uniques.map((u) => `@unique(${u.join(", ")})`),
    ...t.indexes.map((i) => `@index(${i.join(", ")})`),
  ];
}

function typeAnnotations(t: NodeType | EdgeType): string[] {
  const out: string[] = [];
  if (t.description !== undefined) out.push(`@description(${quote(t.description)})`);
  if (t.instruction !== undefined) out.push(`@instruction(${quote(t.instruction)})`);
  if (t.renameFrom !== undefined) out.push(`@rename_from(${quote(t.renameFrom)})`);
  return [...out, ...t.annotations.map(printAnnotation)];
}

function printProperty(p: Omit<Property, "id">): string {
  const parts = [`${p.name}: ${formatPropType(p.type, p.nullable)}`];
  if (p.description !== undefined) parts.push(`@description(${quote(p.description)})`);
  if (p.renameFrom !== undefined) parts.push(`@rename_from(${quote(p.renameFrom)})`);
  if (p.embed) {
    parts.push(`@embed(${quote(p.embed.source)}${p.embed.model === undefined ? "" : `, model=${quote(p.embed.model)}`})`);
  }
  parts.push(...p.annotations.map(printAnnotation));
  return parts.join(" ");
}

function printAnnotation(a: Annotation): string {
  const named = Object.entries(a.named).map(([k, v]) => `, ${k}=${literal(v)}`);
  return a.args.length === 0 && named.length === 0 ? `@${a.name}` : `@${a.name}(${a.args.map(literal).join(", ")}${named.join("")})`;
}

/** `null` has no literal in the language; it is written as the identifier `null` (read back as a string). */
function literal(v: AnnotationValue): string {
  if (typeof v === "string") return quote(v);
  if (typeof v === "number") return formatNumber(v);
  return String(v);
}

function bound(n: number | undefined): string {
  return n === undefined ? "" : formatNumber(n);
}

/**
 * Numbers in the lexer's syntax, which has no exponent: `1e-7` is spelled out
 * as `0.0000001` (from the shortest round-trip digits, so it reads back
 * exactly), and an integer beyond 2^53 keeps a `.0` so it is read as a float.
 */
function formatNumber(n: number): string {
  const text = String(n);
  const exp = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!exp) return Number.isInteger(n) && !Number.isSafeInteger(n) ? `${text}.0` : text;
  if (Number.isInteger(n)) return `${BigInt(n).toString()}.0`;
  const [, sign = "", lead = "", frac = "", power = "0"] = exp;
  return `${sign}0.${"0".repeat(-Number(power) - 1)}${lead}${frac}`;
}

/** A string literal with the lexer's escapes (\" \\ \n \r \t). */
function quote(s: string): string {
  return `"${s.replace(/[\\"\n\r\t]/g, (c) => ({ "\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t" })[c] ?? c)}"`;
}
