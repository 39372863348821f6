// The naive commit path the store benchmarks compare against: what a first, simple
// implementation of the `__manifest` protocol would do. Head discovery LISTs the whole
// `__manifest/log/` prefix and reads the last entry; the Lance table is opened at its
// latest version for every commit; the entry is published with one create-only PUT.
// No head hint, no warm state, no recovery sidecar. Same entry format as ours, so the
// two write comparable objects.
import type * as lancedb from "@lancedb/lancedb";
import { isStorageError } from "../../drivers/errors.ts";
import { newWriterToken } from "../../drivers/retry.ts";
import type { ArrowTable } from "../../server/store/arrow.ts";
import type { GraphLocation } from "../../server/store/layout.ts";
import { newCommitId } from "../../server/store/manifest/commit-id.ts";
import { decodeEntry, encodeEntry, type ManifestEntry } from "../../server/store/manifest/entry.ts";
import { tableNameOf } from "../../server/store/tables.ts";

export class NaiveCommitter {
  constructor(readonly loc: GraphLocation, private readonly db: () => Promise<lancedb.Connection>) {}

  /** LIST the log (every page), GET the last entry. */
  async head(): Promise<ManifestEntry | undefined> {
    let last: string | undefined;
    for await (const o of this.loc.store.list(this.loc.logPrefix)) last = o.key;
    if (!last) return undefined;
    return decodeEntry((await this.loc.store.get(last)).body, last);
  }

  private async read(seq: number): Promise<ManifestEntry> {
    const key = this.loc.logKey(seq);
    return decodeEntry((await this.loc.store.get(key)).body, key);
  }

  /** Appends `data` to `tableKey` on main and publishes the next entry. */
  async commit(tableKey: string, data: ArrowTable, actor: string): Promise<ManifestEntry> {
    const writer = newWriterToken();
    for (let attempt = 0; attempt < 32; attempt++) {
      const head = await this.head();
      if (!head) throw new Error("naive commit: empty graph");
      const rec = head.branches.main!;
      const stateEntry = rec.seq === head.seq ? head : await this.read(rec.seq);
      const st = stateEntry.state!.tables[tableKey]!;
      const table = await (await this.db()).openTable(tableNameOf(st.path));
      const { version } = await table.add(data);
      const seq = head.seq + 1;
      const commitId = newCommitId(seq);
      const entry: ManifestEntry = {
        format: 1, seq, commitId, kind: "commit", branch: "main", parents: [rec.seq], parentCommits: [rec.head], actor,
        timeUs: Date.now() * 1000, writer,
        state: { tables: { ...stateEntry.state!.tables, [tableKey]: { ...st, version, rows: st.rows === null ? null : st.rows + data.numRows } }, schema: stateEntry.state!.schema },
        branches: { ...head.branches, main: { ...rec, seq, head: commitId } },
      };
      try {
        await this.loc.store.put(this.loc.logKey(seq), encodeEntry(entry), { ifNoneMatch: "*", writerToken: writer, contentType: "application/json" });
        return entry;
      } catch (e) {
        if (!isStorageError(e, "ERR_PRECONDITION_FAILED")) throw e;
      }
    }
    throw new Error("naive commit: too many conflicts");
  }
}
