import { EngineError } from "../errors.ts";
import type { Catalog, EdgeType, NodeType } from "../schema/catalog.ts";
import { keyOf, type EntityRow, type GraphType } from "../storage/columns.ts";
import type { SnapshotReader } from "../storage/reader.ts";

interface TypeChanges {
  type: GraphType;
  /** Final rows to write (inserted or replaced), by id. */
  upserts: Map<string, EntityRow>;
  /** Ids inserted with strict semantics: must not exist in the snapshot. */
  strict: Set<string>;
  /** Ids to delete (not in `upserts`). */
  deletes: Set<string>;
  /** Ids known to be absent from the snapshot ({@link WorkingSet.resolveNewIds}): their rows can be appended. */
  fresh: Set<string>;
}

/** Pending changes at one moment ({@link WorkingSet.checkpoint}). */
export interface WorkingSetCheckpoint {
  readonly types: ReadonlyMap<string, TypeChanges>;
  readonly reads: ReadonlySet<string>;
}

/**
 * Pending changes of one write (a mutation query, a load batch, a merge) layered over
 * a snapshot. Reads through the working set see the snapshot with the pending
 * changes applied, so later statements observe earlier ones. Nothing touches storage
 * until the plan is committed as one manifest entry.
 */
export class WorkingSet {
  private readonly byType = new Map<string, TypeChanges>();
  /** Tables whose content a validation read (the commit's read set). */
  readonly reads = new Set<string>();

  constructor(readonly catalog: Catalog, readonly reader: SnapshotReader) {}

  private changesOf(t: GraphType): TypeChanges {
    const k = keyOf(t);
    let c = this.byType.get(k);
    if (!c) {
      c = { type: t, upserts: new Map(), strict: new Set(), deletes: new Set(), fresh: new Set() };
      this.byType.set(k, c);
    }
    return c;
  }

  /**
   * Adds or replaces a row. A strict insert of an id that this write already inserted
   * strictly is a key conflict (the stored graph is checked at validation).
   */
  upsert(t: GraphType, row: EntityRow, strict = false): void {
    const c = this.changesOf(t);
    if (strict && c.strict.has(row.id)) {
      throw new EngineError("ERR_KEY_CONFLICT", `${t.kind} ${t.name} '${row.id}' is inserted twice in one write`, {
        detail: { entity_kind: t.kind, type_name: t.name, entity_id: row.id },
      });
    }
    c.deletes.delete(row.id);
    c.upserts.set(row.id, row);
    if (strict) c.strict.add(row.id);
  }

  delete(t: GraphType, id: string): void {
    const c = this.changesOf(t);
    c.upserts.delete(id);
    c.strict.delete(id);
    c.deletes.add(id);
  }

  /**
   * A copy of the pending changes, for {@link restore}: a batch of requests (group
   * commit) validates each request on the shared working set and rolls back one that
   * fails, so it fails alone.
   */
  checkpoint(): WorkingSetCheckpoint {
    const types = new Map<string, TypeChanges>();
    for (const [k, c] of this.byType) types.set(k, { type: c.type, upserts: new Map(c.upserts), strict: new Set(c.strict), deletes: new Set(c.deletes), fresh: new Set(c.fresh) });
    return { types, reads: new Set(this.reads) };
  }

  restore(cp: WorkingSetCheckpoint): void {
    this.byType.clear();
    for (const [k, c] of cp.types) this.byType.set(k, { type: c.type, upserts: new Map(c.upserts), strict: new Set(c.strict), deletes: new Set(c.deletes), fresh: new Set(c.fresh) });
    this.reads.clear();
    for (const r of cp.reads) this.reads.add(r);
  }

  /** Rows changed since `cp` (upserted to a new value, or deleted), per entity kind. */
  changedSince(cp: WorkingSetCheckpoint): { nodes: number; edges: number } {
    let nodes = 0;
    let edges = 0;
    for (const [k, c] of this.byType) {
      const was = cp.types.get(k);
      let n = 0;
      for (const [id, row] of c.upserts) if (was?.upserts.get(id) !== row) n++;
      for (const id of c.deletes) if (!was?.deletes.has(id)) n++;
      if (c.type.kind === "node") nodes += n;
      else edges += n;
    }
    return { nodes, edges };
  }

  pending(t: GraphType): TypeChanges | undefined {
    return this.byType.get(keyOf(t));
  }

  /** Every type with changes. */
  changed(): TypeChanges[] {
    return [...this.byType.values()].filter((c) => c.upserts.size > 0 || c.deletes.size > 0);
  }

  /** Which of `ids` exist as the write would leave them (existence only: no rows are read). */
  async existing(t: GraphType, ids: Iterable<string>): Promise<Set<string>> {
    const out = new Set<string>();
    const c = this.pending(t);
    const fromStore: string[] = [];
    for (const id of new Set(ids)) {
      if (c?.upserts.has(id)) out.add(id);
      else if (!c?.deletes.has(id)) fromStore.push(id);
    }
    if (fromStore.length) {
      this.reads.add(keyOf(t));
      for (const id of await this.reader.existingIds(t, fromStore)) out.add(id);
    }
    return out;
  }

  /**
   * Before planning: finds which upserted ids do not exist in the snapshot, so that
   * rows that are all new are written as a Lance `add` (a few requests) instead of a
   * `merge_insert` (which reads every fragment). Existence comes from the writer's key
   * set (no request) or a query on `id`; the table joins the read set.
   */
  async resolveNewIds(): Promise<void> {
    for (const c of this.changed()) {
      if (!this.reader.has(c.type)) continue;
      const unknown = [...c.upserts.keys()].filter((id) => !c.strict.has(id) && !c.fresh.has(id));
      if (unknown.length === 0) continue;
      this.reads.add(keyOf(c.type));
      const present = await this.reader.existingIds(c.type, unknown);
      for (const id of unknown) if (!present.has(id)) c.fresh.add(id);
    }
  }

  /** Rows of `ids` as the write would leave them (absent = does not exist). */
  async getMany(t: GraphType, ids: Iterable<string>): Promise<Map<string, EntityRow>> {
    const out = new Map<string, EntityRow>();
    const c = this.pending(t);
    const fromStore: string[] = [];
    for (const id of new Set(ids)) {
      if (c?.upserts.has(id)) out.set(id, c.upserts.get(id)!);
      else if (!c?.deletes.has(id)) fromStore.push(id);
    }
    if (fromStore.length) {
      this.reads.add(keyOf(t));
      for (const r of await this.reader.where(t, "id", fromStore, undefined, "all")) out.set(r.id, r);
    }
    return out;
  }

  /**
   * Rows matching a LanceDB filter and a row predicate, as the write would leave them:
   * snapshot rows (minus pending deletes and replaced rows) plus pending upserts.
   */
  async rowsWhere(t: GraphType, sql: string | undefined, holds: (r: EntityRow) => boolean, col?: { name: "src" | "dst" | "id"; values: Iterable<string> }): Promise<EntityRow[]> {
    this.reads.add(keyOf(t));
    const c = this.pending(t);
    const stored = col ? await this.reader.where(t, col.name, col.values, sql, "all") : await this.reader.scan(t, sql, "all");
    const out = stored.filter((r) => !c?.upserts.has(r.id) && !c?.deletes.has(r.id) && holds(r));
    if (c) {
      const wanted = col ? new Set(col.values) : undefined;
      for (const r of c.upserts.values()) {
        const v = col ? (col.name === "id" ? r.id : r[col.name]) : undefined;
        if ((!wanted || (v !== undefined && wanted.has(v))) && holds(r)) out.push(r);
      }
    }
    return out;
  }

  edgeTypesTouching(node: NodeType): EdgeType[] {
    return this.catalog.edges.filter((e) => e.from === node.name || e.to === node.name);
  }
}
