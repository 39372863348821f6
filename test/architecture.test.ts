/**
 * DESIGN §2: dependencies point one way — drivers ← store ← engine ← runtime ← http ←
 * cli — with auth, config and observability as leaves (they import no layer); and no
 * module is part of an import cycle (type-only imports excepted: they vanish at runtime).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const LAYERS = ["drivers", "server/store", "server/engine", "server/runtime", "server/http", "server/cli"];
const LEAVES = ["server/auth", "server/config", "server/observability"];

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (p.endsWith(".ts")) out.push(p);
  }
  return out;
}

/** Runtime imports of a module (static, re-exports and dynamic), resolved to repo paths. */
export function importsOf(file: string): string[] {
  const src = readFileSync(file, "utf8");
  const out: string[] = [];
  const re = /(?:^|\n)\s*(import|export)\s+(type\s+)?[^"';]*?from\s+["'](\.[^"']+)["']|import\(\s*["'](\.[^"']+)["']\s*\)|(?:^|\n)\s*import\s+["'](\.[^"']+)["']/g;
  for (const m of src.matchAll(re)) {
    if (m[2]) continue; // `import type` / `export type`
    const spec = m[3] ?? m[4] ?? m[5];
    if (spec) out.push(relative(ROOT, resolve(dirname(file), spec)));
  }
  return out;
}

const area = (p: string) => [...LAYERS, ...LEAVES].find((a) => p === a || p.startsWith(`${a}/`));
const all = [...files(join(ROOT, "drivers")), ...files(join(ROOT, "server"))];

test("no upward import between layers; leaves import no layer", (t) => {
  const bad: string[] = [];
  for (const f of all) {
    const from = area(relative(ROOT, f));
    if (!from) continue;
    for (const dep of importsOf(f)) {
      const to = area(dep);
      if (!to || to === from) continue;
      if (LEAVES.includes(from)) {
        if (!LEAVES.includes(to)) bad.push(`${relative(ROOT, f)} (leaf) → ${dep}`);
        continue;
      }
      if (LEAVES.includes(to)) {
        if (LAYERS.indexOf(from) < LAYERS.indexOf("server/runtime")) bad.push(`${relative(ROOT, f)} → ${dep}: only runtime and above use auth/config/observability`);
        continue;
      }
      if (LAYERS.indexOf(to) > LAYERS.indexOf(from)) bad.push(`${relative(ROOT, f)} → ${dep} (upward)`);
    }
  }
  t.deepEqual(bad, []);
});

test("no import cycle", (t) => {
  const graph = new Map(all.map((f) => [relative(ROOT, f), importsOf(f)]));
  const cycles: string[] = [];
  const state = new Map<string, "active" | "done">();
  const stack: string[] = [];
  const visit = (n: string) => {
    state.set(n, "active");
    stack.push(n);
    for (const d of graph.get(n) ?? []) {
      if (!graph.has(d)) continue;
      if (state.get(d) === "active") cycles.push([...stack.slice(stack.indexOf(d)), d].join(" → "));
      else if (!state.has(d)) visit(d);
    }
    stack.pop();
    state.set(n, "done");
  };
  for (const n of graph.keys()) if (!state.has(n)) visit(n);
  t.deepEqual(cycles, []);
});

test("the import scanner sees static, re-exported and dynamic imports and skips type-only ones", (t) => {
  const f = join(ROOT, "server/http/app.ts");
  t.true(importsOf(f).includes("server/http/routes/graph.ts"));
  t.true(importsOf(join(ROOT, "server/cli/main.ts")).includes("server/cli/serve.ts"), "dynamic import");
  t.false(importsOf(join(ROOT, "server/engine/merge.ts")).includes("server/engine/engine.ts"), "type-only import skipped");
});
