import type { TableState } from "./manifest/entry.ts";

/** Default bound on the ids a graph handle keeps in its key sets (config `handles.key_set_max_ids`). */
export const KEY_SET_MAX_IDS_DEFAULT = 200_000;

/** How one Lance op changes the set of ids of its table. */
export type IdEffect = { add: Iterable<string> } | { remove: Iterable<string> } | "same" | "unknown";

interface KeySet {
  version: number;
  ids: Set<string>;
}

/**
 * The writer's memory of which row ids each table holds, one set per Lance line
 * (dataset path + Lance branch), valid for exactly one Lance version — the one it was
 * built at or advanced to by this handle's own ops. Content at a Lance version never
 * changes, so a set that matches the version a snapshot records is exact, whoever
 * committed since: a set at any other version is never consulted (another process's
 * commit, a restore, or an unpublished write simply make it miss).
 *
 * Why: a keyed insert must know whether the key exists (a new key is a plain Lance
 * `add`, 4 requests; `merge_insert` reads every fragment, one GET each). The writer holds
 * the graph's writer lease, so after one projected scan of `id` its own commits keep the
 * set current at no request. Bounded: at most `maxIds` ids over all sets of the handle
 * (least recently used sets go first); a table larger than that is asked by query.
 */
export class TableKeySets {
  private readonly sets = new Map<string, KeySet>();
  private held = 0;

  constructor(public maxIds: number = KEY_SET_MAX_IDS_DEFAULT) {}

  private static lineOf(path: string, lanceBranch: string | null): string {
    return `${path}|${lanceBranch ?? ""}`;
  }

  /** May a set for this table be built (its row count, from the manifest, fits the bound)? */
  fits(state: TableState): boolean {
    return this.maxIds > 0 && state.rows !== null && state.rows <= this.maxIds;
  }

  /** The set of `state`'s exact version, if held. */
  lookup(state: TableState): Set<string> | undefined {
    const line = TableKeySets.lineOf(state.path, state.lanceBranch);
    const s = this.sets.get(line);
    if (!s || s.version !== state.version) return undefined;
    this.sets.delete(line); // LRU: move to the back
    this.sets.set(line, s);
    return s.ids;
  }

  /** Remembers the ids of `state`'s version (replacing the line's older set). */
  put(state: TableState, ids: Set<string>): void {
    this.drop(state.path, state.lanceBranch);
    if (ids.size > this.maxIds) return;
    while (this.held + ids.size > this.maxIds && this.sets.size > 0) {
      const [oldest, s] = this.sets.entries().next().value!;
      this.sets.delete(oldest);
      this.held -= s.ids.size;
    }
    this.sets.set(TableKeySets.lineOf(state.path, state.lanceBranch), { version: state.version, ids });
    this.held += ids.size;
  }

  /**
   * One op of this handle moved the line from version `from` to `to`: advance the set
   * if it was at `from` and the op's effect on ids is known. A set at another version is
   * left as it is — it stays exact for its own version (content at a Lance version never
   * changes), and that version may still be the one the next snapshot records: when
   * concurrent transactions on one handle race, each loser restores and writes on top of
   * the winner's version, and the winner's set is what the next commit needs.
   */
  advance(path: string, lanceBranch: string | null, from: number, to: number, effect: IdEffect): void {
    const line = TableKeySets.lineOf(path, lanceBranch);
    const s = this.sets.get(line);
    if (!s || s.version !== from) return;
    if (effect === "unknown") {
      this.drop(path, lanceBranch);
      return;
    }
    if (effect !== "same") {
      const before = s.ids.size;
      if ("add" in effect) for (const id of effect.add) s.ids.add(id);
      else for (const id of effect.remove) s.ids.delete(id);
      this.held += s.ids.size - before;
    }
    s.version = to;
    if (this.held > this.maxIds) this.drop(path, lanceBranch);
  }

  drop(path: string, lanceBranch: string | null): void {
    const line = TableKeySets.lineOf(path, lanceBranch);
    const s = this.sets.get(line);
    if (!s) return;
    this.sets.delete(line);
    this.held -= s.ids.size;
  }

  clear(): void {
    this.sets.clear();
    this.held = 0;
  }

  /** Ids held over all sets (for tests and metrics). */
  get size(): number {
    return this.held;
  }
}
