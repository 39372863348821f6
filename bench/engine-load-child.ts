// One NDJSON load, measured in a fresh process so peak RSS belongs to that load alone.
// Run by bench/engine.ts: node --expose-gc --import=tsx bench/engine-load-child.ts '<json>'
// mode "ours": GraphEngine.load (strict parser, one commit) into a new graph (schema
// applied first, untimed). mode "raw": what a hand-written LanceDB program does with the
// same NDJSON: JSON.parse each line, build records, createEmptyTable + add per table.
// Prints one JSON line: {ms, rows, peakRssMb, rssBeforeMb, ours?, http?}.
import * as lancedb from "@lancedb/lancedb";
import { Graph } from "../server/store/graph.ts";
import { GraphEngine } from "../server/engine/engine.ts";
import { arrow } from "../server/store/arrow.ts";
import { generate, ITEM_SCHEMA, toNdjson } from "./lib/data.ts";
import { targetFromSpec, type TargetSpec } from "./lib/targets.ts";

interface Args {
  target: TargetSpec;
  mode: "ours" | "raw";
  /** Graph prefix (ours) or Lance root (raw), relative to the target root. */
  prefix: string;
  nodes: number;
  edges: number;
  /** RGW: send every request through a counting proxy (both modes alike). */
  count: boolean;
}

const args = JSON.parse(process.argv[2]!) as Args;
const target = targetFromSpec(args.target);
const proxy = args.count ? await target.proxy() : undefined;
const gc = (globalThis as { gc?: () => void }).gc;
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

let input = toNdjson(generate(args.nodes, args.edges));
let result: Record<string, unknown>;

if (args.mode === "ours") {
  const { loc, counter } = target.open(args.prefix, proxy ? { proxy } : {});
  const g = await Graph.open(loc, { mode: "read-write", create: true });
  const engine = new GraphEngine(g);
  await engine.applySchema({ source: ITEM_SCHEMA, actor: "bench" });
  gc?.();
  const rssBefore = process.memoryUsage().rss;
  counter.reset();
  const mark = proxy?.mark() ?? 0;
  const t0 = performance.now();
  const out = await engine.load({
    input, strict: true, mode: "append", actor: "bench",
    limits: { maxKeyedEntitiesPerDataset: Number.MAX_SAFE_INTEGER, maxBytesPerDataset: Number.MAX_SAFE_INTEGER },
  });
  const ms = performance.now() - t0;
  result = { ms, rows: out.totalEntities, rssBeforeMb: mb(rssBefore), ours: counter.kinds(), http: proxy?.countsSince(mark) };
  g.close();
} else {
  const db = await target.lance(`${args.prefix}/data`, proxy ? { proxy } : {});
  const itemSchema = new arrow.Schema([
    new arrow.Field("sku", new arrow.Utf8(), false),
    new arrow.Field("price", new arrow.Int32(), true),
    new arrow.Field("cat", new arrow.Utf8(), true),
    new arrow.Field("score", new arrow.Float64(), true),
  ]);
  const linkSchema = new arrow.Schema([
    new arrow.Field("id", new arrow.Utf8(), false),
    new arrow.Field("src", new arrow.Utf8(), false),
    new arrow.Field("dst", new arrow.Utf8(), false),
  ]);
  gc?.();
  const rssBefore = process.memoryUsage().rss;
  const mark = proxy?.mark() ?? 0;
  const t0 = performance.now();
  const items: Record<string, unknown>[] = [];
  const links: Record<string, unknown>[] = [];
  for (const line of input.split("\n")) {
    if (!line) continue;
    const o = JSON.parse(line);
    if (o.type === "Item") items.push(o.data);
    else links.push({ id: `l${links.length}`, src: o.from, dst: o.to });
  }
  const ti = await db.createEmptyTable("items", itemSchema);
  await ti.add(lancedb.makeArrowTable(items, { schema: itemSchema }));
  const tl = await db.createEmptyTable("links", linkSchema);
  await tl.add(lancedb.makeArrowTable(links, { schema: linkSchema }));
  const ms = performance.now() - t0;
  result = { ms, rows: items.length + links.length, rssBeforeMb: mb(rssBefore), http: proxy?.countsSince(mark) };
}
input = "";
result.peakRssMb = mb(process.resourceUsage().maxRSS * 1024);
await proxy?.stop();
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
