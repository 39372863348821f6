/**
 * Stable identity of types and properties. Ids name Lance datasets (types)
 * and columns (properties), so a rename must keep its id and a dropped id must
 * never come back. Ids are `T<n>`/`P<n>` drawn from one counter, `nextId`.
 */
import type { Catalog, EdgeType, NodeType, Property } from "./catalog.ts";

type AnyType = NodeType | EdgeType;

/**
 * Fills in the `id` of every type and property of `types` (in place) and
 * returns the next unused counter value.
 *
 * Without `previous`, ids are fresh, in declaration order. With `previous`, a
 * type keeps the id of the previous type of the same kind and name; failing
 * that, of the one its `@rename_from` names, provided no type of the new
 * schema kept that one by name. Properties of a kept type are matched the
 * same way inside it. Everything else gets a fresh id. A `@rename_from` that
 * matches nothing is left for the migration planner to report.
 */
export function assignIds(types: AnyType[], previous: Catalog | undefined): number {
  let next = previous?.nextId ?? 1;
  const prevTypes: AnyType[] = previous ? [...previous.nodes, ...previous.edges] : [];
  const typeMatch = matchByNameThenRename(types, prevTypes, (a, b) => a.kind === b.kind);

  for (const t of types) {
    const old = typeMatch.get(t);
    t.id = old ? old.id : `T${next++}`;
    const propMatch = old ? matchByNameThenRename(t.properties, old.properties, () => true) : new Map<Property, Property>();
    for (const p of t.properties) {
      const oldProp = propMatch.get(p);
      p.id = oldProp ? oldProp.id : `P${next++}`;
    }
  }
  return next;
}

function matchByNameThenRename<T extends { name: string; renameFrom?: string | undefined }>(
  current: T[],
  previous: T[],
  compatible: (a: T, b: T) => boolean,
): Map<T, T> {
  const matched = new Map<T, T>();
  const claimed = new Set<T>();
  for (const c of current) {
    const p = previous.find((x) => x.name === c.name && compatible(c, x));
    if (p) {
      matched.set(c, p);
      claimed.add(p);
    }
  }
  for (const c of current) {
    if (matched.has(c) || c.renameFrom === undefined) continue;
    const p = previous.find((x) => x.name === c.renameFrom && compatible(c, x) && !claimed.has(x));
    if (p) {
      matched.set(c, p);
      claimed.add(p);
    }
  }
  return matched;
}
