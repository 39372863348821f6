/**
 * Property tests over generated schemas: every generated schema compiles,
 * survives the JSON round trip and the printer, plans to nothing against
 * itself, and keeps its ids through a @rename_from.
 */
import { deepStrictEqual, equal } from "node:assert/strict";
import test from "ava";
import fc from "fast-check";
import { findNode, findProperty } from "../../../server/engine/schema/catalog.ts";
import { catalogFromJson, catalogToJson } from "../../../server/engine/schema/json.ts";
import { planMigration } from "../../../server/engine/schema/migrate.ts";
import { reservedPropertyReason } from "../../../server/engine/schema/names.ts";
import { printSchema } from "../../../server/engine/schema/print.ts";
import { compileSchema } from "../../../server/engine/schema/validate.ts";

const BASES = ["String", "Blob", "Bool", "I32", "I64", "U32", "U64", "F32", "F64", "DateTime", "Date"] as const;
const NUMERIC = new Set(["I32", "I64", "U32", "U64", "F32", "F64"]);

interface GenType {
  kind: "scalar" | "list" | "enum" | "vector";
  text: string;
  base?: string;
}
interface GenProp {
  name: string;
  type: GenType;
  nullable: boolean;
  description?: string | undefined;
  tag?: string | number | boolean | undefined;
}
interface GenNode {
  name: string;
  props: GenProp[];
  description?: string | undefined;
  implementsIface: boolean;
  key?: string[] | undefined;
  uniques: string[][];
  indexes: string[][];
  ranges: { property: string; min?: number | undefined; max?: number | undefined }[];
  checks: { property: string; pattern: string }[];
  shorthand: boolean;
}
interface GenEdge {
  name: string;
  from: string;
  to: string;
  card?: [number, number | undefined] | undefined;
  props: GenProp[];
  uniqueEnds: boolean;
}

const quote = (s: string): string =>
  `"${s.replace(/[\\"\n\r\t]/g, (c) => ({ "\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t" })[c] ?? c)}"`;

const text = fc.string({ unit: "grapheme", minLength: 1, maxLength: 10 }).filter((s) => s.trim() !== "");
const typeArb: fc.Arbitrary<GenType> = fc.oneof(
  fc.constantFrom(...BASES).map((b) => ({ kind: "scalar" as const, text: b, base: b })),
  fc.constantFrom(...BASES.filter((b) => b !== "Blob")).map((b) => ({ kind: "list" as const, text: `[${b}]`, base: b })),
  fc.uniqueArray(fc.constantFrom("a", "b", "c", "in-progress", "2x", "Z_9"), { minLength: 1, maxLength: 4 })
    .map((vs) => ({ kind: "enum" as const, text: `enum(${vs.join(", ")})` })),
  fc.integer({ min: 1, max: 16 }).map((d) => ({ kind: "vector" as const, text: `Vector(${d})` })),
);
const tagArb = fc.option(
  fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), text),
  { nil: undefined },
);
const propName = fc.stringMatching(/^[a-z_][a-z0-9_]{0,5}$/).filter((n) => !reservedPropertyReason(n, "edge") && !n.startsWith("i_"));
const propsArb = (max: number): fc.Arbitrary<GenProp[]> =>
  fc.uniqueArray(
    fc.record({ name: propName, type: typeArb, nullable: fc.boolean(), description: fc.option(text, { nil: undefined }), tag: tagArb }),
    { selector: (p) => p.name, maxLength: max },
  );

const isScalar = (p: GenProp, pred: (base: string) => boolean = () => true): boolean =>
  (p.type.kind === "scalar" && pred(p.type.base ?? "")) || p.type.kind === "enum";
const bound = fc.option(fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.double({ min: -1e6, max: 1e6, noNaN: true })), { nil: undefined });

/** 1..max distinct names from a non-empty list, in random order. */
const pick = (names: string[], max: number): fc.Arbitrary<string[]> =>
  fc.shuffledSubarray(names, { minLength: 1, maxLength: Math.min(max, names.length) });

function nodeArb(name: string): fc.Arbitrary<GenNode> {
  return fc.record({ props: propsArb(6), description: fc.option(text, { nil: undefined }), implementsIface: fc.boolean(), shorthand: fc.boolean() })
    .chain(({ props, description, implementsIface, shorthand }) => {
      const keyable = props.filter((p) => !p.nullable && isScalar(p, (b) => b !== "Blob")).map((p) => p.name);
      const uniqueable = props.filter((p) => isScalar(p, (b) => b !== "Blob")).map((p) => p.name);
      const indexable = props.filter((p) => p.type.kind !== "list" && !(p.type.kind === "scalar" && p.type.base === "Blob")).map((p) => p.name);
      const numeric = props.filter((p) => p.type.kind === "scalar" && NUMERIC.has(p.type.base ?? "")).map((p) => p.name);
      const strings = props.filter((p) => p.type.kind === "scalar" && p.type.base === "String").map((p) => p.name);
      return fc.record({
        key: keyable.length ? fc.option(pick(keyable, 2), { nil: undefined }) : fc.constant(undefined),
        uniques: uniqueable.length ? fc.array(pick(uniqueable, 2), { maxLength: 2 }) : fc.constant<string[][]>([]),
        indexes: indexable.length ? fc.array(pick(indexable, 1), { maxLength: 2 }) : fc.constant<string[][]>([]),
        ranges: fc.subarray(numeric).chain((ps) =>
          fc.tuple(...ps.map((p) => fc.tuple(bound, bound).filter(([a, b]) => a !== undefined || b !== undefined).map(([a, b]) => {
            const [min, max] = a !== undefined && b !== undefined && a > b ? [b, a] : [a, b];
            return { property: p, min, max };
          })))),
        checks: fc.subarray(strings).chain((ps) => fc.tuple(...ps.map((p) => fc.constantFrom("^a", "x+", "\\d{2}", "[A-Z]\"").map((pattern) => ({ property: p, pattern }))))),
      }).map((c) => ({ name, props, description, implementsIface, shorthand, ...c }));
    });
}

const schemaArb = fc.uniqueArray(fc.stringMatching(/^[A-Z][A-Za-z0-9_]{0,4}$/), { selector: (s) => s.toLowerCase(), minLength: 2, maxLength: 6 })
  .filter((names) => !names.includes("Iface"))
  .chain((names) => {
    const nodeCount = Math.max(1, Math.ceil(names.length / 2));
    const nodeNames = names.slice(0, nodeCount);
    const edgeNames = names.slice(nodeCount);
    return fc.record({
      nodes: fc.tuple(...nodeNames.map(nodeArb)),
      edges: fc.tuple(...edgeNames.map((name) => fc.record({
        name: fc.constant(name),
        from: fc.constantFrom(...nodeNames),
        to: fc.constantFrom(...nodeNames),
        card: fc.option(fc.tuple(fc.nat(3), fc.option(fc.nat(3), { nil: undefined })).map(([a, b]): [number, number | undefined] => [b !== undefined && b < a ? b : a, b === undefined ? undefined : Math.max(a, b)]), { nil: undefined }),
        props: propsArb(3),
        uniqueEnds: fc.boolean(),
      }))),
      separator: fc.constantFrom(" ", "\n  ", " /* c */ ", " // c\n  "),
    });
  });

function renderProp(p: GenProp, shorthands: string[] = []): string {
  const parts = [`${p.name}: ${p.type.text}${p.nullable ? "?" : ""}`];
  if (p.description !== undefined) parts.push(`@description(${quote(p.description)})`);
  if (p.tag !== undefined) parts.push(`@tag(${typeof p.tag === "string" ? quote(p.tag) : typeof p.tag === "number" ? numberText(p.tag) : p.tag})`);
  return [...parts, ...shorthands.map((s) => `@${s}`)].join(" ");
}

/** Numbers as the lexer reads them (no exponent). */
function numberText(n: number): string {
  const t = String(n);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(t);
  if (!m) return Number.isInteger(n) && !Number.isSafeInteger(n) ? `${t}.0` : t;
  if (Number.isInteger(n)) return `${BigInt(n)}.0`;
  return `${m[1]}0.${"0".repeat(-Number(m[4]) - 1)}${m[2]}${m[3] ?? ""}`;
}

function render(s: { nodes: GenNode[]; edges: GenEdge[]; separator: string }): string {
  const sep = s.separator;
  const out = [`interface Iface { i_name: String @description("shared")${sep}i_n: I64? }`];
  for (const n of s.nodes) {
    const short = (list: string[] | undefined): boolean => n.shorthand && list !== undefined && list.length === 1;
    const body: string[] = n.props.map((p) => {
      const marks: string[] = [];
      if (short(n.key) && n.key?.[0] === p.name) marks.push("key");
      return renderProp(p, marks);
    });
    if (n.key && !short(n.key)) body.push(`@key(${n.key.join(", ")})`);
    for (const u of n.uniques) body.push(`@unique(${u.join(", ")})`);
    for (const i of n.indexes) body.push(`@index(${i.join(", ")})`);
    for (const r of n.ranges) body.push(`@range(${r.property}, ${r.min === undefined ? "" : numberText(r.min)}..${r.max === undefined ? "" : numberText(r.max)})`);
    for (const c of n.checks) body.push(`@check(${c.property}, ${quote(c.pattern)})`);
    const head = [`node ${n.name}`];
    if (n.description !== undefined) head.push(`@description(${quote(n.description)})`);
    if (n.implementsIface) head.push("implements Iface");
    out.push(`${head.join(" ")} {${sep}${body.join(sep)}${sep}}`);
  }
  for (const e of s.edges) {
    const card = e.card ? ` @card(${e.card[0]}..${e.card[1] ?? ""})` : "";
    const body = [...e.props.map((p) => renderProp(p)), ...(e.uniqueEnds ? ["@unique(src, dst)"] : [])];
    out.push(`edge ${e.name}: ${e.from} -> ${e.to}${card}${body.length ? ` {${sep}${body.join(sep)}${sep}}` : ""}`);
  }
  return out.join("\n");
}

const generated = schemaArb.map(render);

test("generated schemas compile, plan to no steps against themselves and round-trip through JSON", (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(generated, (src) => {
        const c = compileSchema(src);
        const again = planMigration(c, src, { allowDataLoss: false });
        deepStrictEqual(again.steps, []);
        deepStrictEqual(again.catalog, c);
        const stored = catalogFromJson(catalogToJson(c));
        deepStrictEqual(stored, c);
        deepStrictEqual(planMigration(stored, src, { allowDataLoss: false }).steps, []);
      }),
      { numRuns: 150 },
    ),
  );
});

test("printSchema output compiles back to the same catalog and plans to no steps", (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(generated, (src) => {
        const c = compileSchema(src);
        const printed = printSchema(c);
        const back = compileSchema(printed, c);
        deepStrictEqual(back, { ...c, source: printed });
        deepStrictEqual(planMigration(c, printed, { allowDataLoss: false }).steps, []);
        equal(printSchema(back), printed);
      }),
      { numRuns: 150 },
    ),
  );
});

test("renaming any node property with @rename_from keeps its id and plans one rename_property", (t) => {
  const withTarget = generated.map((src) => ({ src, c: compileSchema(src) }))
    .filter(({ c }) => c.nodes.some((n) => n.properties.some((p) => !p.name.startsWith("i_"))))
    .chain(({ src, c }) => {
      const candidates = c.nodes.flatMap((n) => n.properties.filter((p) => !p.name.startsWith("i_")).map((p) => [n.name, p.name] as const));
      return fc.constantFrom(...candidates).map(([node, prop]) => ({ src, c, node, prop }));
    });
  t.notThrows(() =>
    fc.assert(
      fc.property(withTarget, ({ c, node, prop }) => {
        const printed = printSchema(c);
        const fresh = `renamed_${prop}`; // longer than any generated name, so it never collides
        // Rename inside the one node's block only; the printer writes one line per property.
        const nodeStart = printed.indexOf(`node ${node} `);
        const nodeEnd = printed.indexOf("\n}\n", nodeStart);
        const block = printed.slice(nodeStart, nodeEnd)
          .replace(new RegExp(`^  ${prop}: `, "m"), `  ${fresh}: `)
          .replace(new RegExp(`^(  ${fresh}: [^\\n]*)$`, "m"), `$1 @rename_from("${prop}")`)
          .replace(/^(  @(?:key|unique|index|range|check)\()(.*)$/gm, (_m, head: string, rest: string) =>
            head + rest.replace(new RegExp(`(^|[(, ])${prop}(?=[,)])`, "g"), `$1${fresh}`));
        const next = printed.slice(0, nodeStart) + block + printed.slice(nodeEnd);
        const plan = planMigration(c, next, { allowDataLoss: false });
        const oldId = findProperty(findNode(c, node)!, prop)!.id;
        deepStrictEqual(plan.steps.map((s) => s.kind), ["rename_property"]);
        equal(findProperty(findNode(plan.catalog, node)!, fresh)?.id, oldId);
      }),
      { numRuns: 100 },
    ),
  );
});
