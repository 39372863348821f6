import type * as lancedb from "@lancedb/lancedb";
import { StoreError } from "./errors.ts";
import type { BranchRecord, BranchState, ManifestEntry, TableState } from "./manifest/entry.ts";
import type { LanceTables } from "./tables.ts";

/**
 * One consistent view of a graph branch: the branch state recorded in one manifest
 * entry, captured once. Every table is opened at the Lance version the entry records;
 * nothing re-reads the head while the snapshot is in use, so a query sees exactly one
 * commit whatever writers do meanwhile.
 */
export class Snapshot {
  constructor(
    private readonly tables: LanceTables,
    /** The branch this snapshot reads. */
    readonly branch: string,
    /** The branch record at capture (id, head commit, where it was forked from). */
    readonly record: BranchRecord,
    /** The entry holding the branch state. */
    readonly entry: ManifestEntry,
    /** Manifest head at capture (for a pinned snapshot, the pinned entry). */
    readonly headSeq: number,
    /** True when pinned by commit id rather than taken at the branch head. */
    readonly pinned: boolean,
  ) {}

  get state(): BranchState {
    return this.entry.state!;
  }

  /** The commit this snapshot shows (the branch head at capture, or the pinned commit). */
  get commitId(): string {
    return this.pinned ? this.entry.commitId : this.record.head;
  }

  /** Manifest sequence of that commit (`graph_manifest_version`). */
  get seq(): number {
    return this.pinned ? this.entry.seq : this.record.seq;
  }

  get schemaHash(): string | null {
    return this.state.schema;
  }

  tableKeys(): string[] {
    return Object.keys(this.state.tables).sort();
  }

  tableState(key: string): TableState | undefined {
    return this.state.tables[key];
  }

  /**
   * Which of `ids` exist in table `key` at this snapshot's version: the writer's key set
   * when it holds one for that version (no request), else a query (tables.ts).
   */
  async existingIds(key: string, ids: Iterable<string>): Promise<Set<string>> {
    const st = this.state.tables[key];
    if (!st) return new Set();
    return this.tables.existingIds(st, ids);
  }

  /** The Lance table at this snapshot's version (read-only handle). */
  async table(key: string): Promise<lancedb.Table> {
    const st = this.state.tables[key];
    if (!st) throw new StoreError("ERR_TABLE_NOT_FOUND", `table ${key} is not part of branch ${this.branch} at commit ${this.commitId}`, { table: key });
    return this.tables.read(st);
  }
}
