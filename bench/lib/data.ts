// Deterministic synthetic graph for the engine benchmarks: `Item` nodes keyed by `sku`
// and `Link` edges between them, as NDJSON (the input both our loader and the raw
// LanceDB baseline parse).
import { seededRandom } from "../../drivers/faulty.ts";

export const ITEM_SCHEMA = `node Item {
  sku: String @key
  price: I32
  cat: String
  score: F64
}

edge Link: Item -> Item
`;

/** The benchmark queries, in .gq. */
export const QUERIES = `
query top_c7() {
  match {
    $i: Item
    $i.price > 500
    $i.cat = "c7"
  }
  return { $i.sku, $i.price }
  order { $i.price desc, $i.sku }
  limit 20
}

query fof($s: String) {
  match {
    $a: Item { sku: $s }
    $a link $b
    $b link $c
  }
  return { $c.sku }
}
`;

export const CATEGORIES = 20;

/** Seeded PRNG for repeatable data (the one the fault injector uses). */
export const prng = seededRandom;

export function skuOf(i: number): string {
  return `s${String(i).padStart(7, "0")}`;
}

export interface ItemRow { sku: string; price: number; cat: string; score: number }
export interface LinkRow { from: string; to: string }

/** `nodes` items and `edges` links (edges spread evenly: node i links to random targets). */
export function generate(nodes: number, edges: number, seed = 42): { items: ItemRow[]; links: LinkRow[] } {
  const r = prng(seed);
  const items: ItemRow[] = [];
  for (let i = 0; i < nodes; i++) {
    items.push({ sku: skuOf(i), price: Math.floor(r() * 1000), cat: `c${Math.floor(r() * CATEGORIES)}`, score: Math.round(r() * 1e6) / 1e3 });
  }
  const links: LinkRow[] = [];
  for (let k = 0; k < edges; k++) {
    const from = k % nodes;
    let to = Math.floor(r() * nodes);
    if (to === from) to = (to + 1) % nodes;
    links.push({ from: skuOf(from), to: skuOf(to) });
  }
  return { items, links };
}

/** The NDJSON our loader takes (strict envelopes). */
export function toNdjson(g: { items: ItemRow[]; links: LinkRow[] }): string {
  const parts: string[] = [];
  for (const it of g.items) parts.push(JSON.stringify({ type: "Item", data: it }));
  for (const l of g.links) parts.push(JSON.stringify({ edge: "Link", from: l.from, to: l.to }));
  return parts.join("\n") + "\n";
}
