import type { TypedRead } from "../query/typed.ts";
import type { NodeType } from "../schema/catalog.ts";
import { evalExpr, evalFilter, type Solution } from "./eval.ts";
import { inlineHolds, pushdownAll, type MatchEnv } from "./match.ts";

/** Extra candidates fetched beyond `limit`, so ties and float rounding at the cut are exact. */
const MARGIN = 16;

/**
 * `order { nearest($x.v, $q) … } limit k` on a single binding whose every constraint
 * LanceDB can evaluate: one vector search with those filters applied *before* the
 * top-k cut (LanceDB prefilters by default). Returns undefined when the query has
 * any other shape; the general path then ranks every matching row exactly.
 */
export async function nearestPushdown(q: TypedRead, env: MatchEnv): Promise<Solution[] | undefined> {
  const first = q.order[0]?.expr;
  const m = q.match;
  if (!first || first.kind !== "nearest" || q.limit === undefined || q.aggregate) return undefined;
  if (m.bindings.length !== 1 || m.traversals.length || m.negations.length || m.bindings[0]!.var !== first.var) return undefined;
  const b = m.bindings[0]!;
  const where = pushdownAll(b.var, b.inline, m.filters, env.ctx);
  if (where === false) return undefined;
  const query = evalExpr(first.query, new Map(), env.ctx);
  if (!(query instanceof Float32Array) && !Array.isArray(query)) return undefined;
  const vector = Float32Array.from(query as ArrayLike<number>);
  let k = q.limit + MARGIN;
  for (;;) {
    const hits = await env.reader.nearest(b.type, first.property.id, vector, k, where, env.needs(b.var));
    // If the last candidate ties the limit-th one, a tie may continue past k: widen.
    const cut = hits[q.limit - 1]?.distance;
    if (hits.length === k && cut !== undefined && hits[k - 1]!.distance <= cut) {
      k *= 4;
      continue;
    }
    // LanceDB evaluated the filters; check them again exactly as the general path would.
    return hits
      .map((h) => new Map([[b.var, { type: b.type as NodeType, row: h.row }]]) as Solution)
      .filter((s) => inlineHolds(s.get(b.var)!.row, b.inline, env.ctx) && m.filters.every((f) => evalFilter(f, s, env.ctx)));
  }
}
