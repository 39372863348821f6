/**
 * `omnigraph cleanup [uri] --older-than 7d [--keep N] --confirm` (direct): removes
 * dataset versions older than the window and reclaims storage no branch references.
 * Never removes a version a live branch, a pinned snapshot or an in-flight write
 * references (server/store/maintenance.ts). Without `--confirm` it only says what it
 * would do; a non-local store also needs `--yes`. `--keep N` keeps at least the N
 * newest versions of every dataset (by narrowing the window; it may keep more).
 */
import { cleanupVersions, collectGarbage, DEFAULT_RETENTION_MS, referencedTables } from "../store/maintenance.ts";
import { tableNameOf } from "../store/tables.ts";
import type { Graph } from "../store/graph.ts";
import { action, parseDuration, runProgram, withGlobalOptions } from "./command.ts";
import { CliError, EXIT } from "./errors.ts";

/** Retention that keeps the `keep` newest versions of every referenced dataset line. */
async function retentionKeeping(graph: Graph, keep: number, retentionMs: number, now: number): Promise<number> {
  if (keep <= 1) return retentionMs; // the latest version is always kept
  const db = await graph.tables.db();
  let oldestKept = Infinity;
  const seen = new Set<string>();
  for (const t of await referencedTables(graph)) {
    const line = `${t.path}|${t.lanceBranch ?? ""}`;
    if (seen.has(line)) continue;
    seen.add(line);
    const table = await db.openTable(tableNameOf(t.path), undefined, t.lanceBranch ? { branch: t.lanceBranch } : {}).catch(() => undefined);
    if (!table) continue;
    const stamps = (await table.listVersions()).map((v) => v.timestamp.getTime()).sort((a, b) => b - a);
    const nth = stamps[Math.min(keep, stamps.length) - 1];
    if (nth !== undefined) oldestKept = Math.min(oldestKept, nth);
  }
  return Number.isFinite(oldestKept) ? Math.max(retentionMs, now - oldestKept + 1) : retentionMs;
}

export async function run(argv: string[]): Promise<number> {
  return runProgram("cleanup", (program, done) => {
    withGlobalOptions(program.description("remove old dataset versions and unreferenced storage (direct, destructive)").argument("[uri]", "storage URL (or --store)"))
      .option("--older-than <duration>", "remove versions older than this (default 7d)")
      .option("--keep <n>", "keep at least the n newest versions of every dataset", (v) => {
        if (!/^\d+$/.test(v) || Number(v) < 1) throw new CliError("ERR_USAGE", `--keep takes a whole number ≥ 1 (got ${v})`);
        return Number(v);
      })
      .option("--confirm", "do it (without: a preview)")
      .action(action("cleanup", done, async (inv, uri: string | undefined) => {
        const o = inv.opts as { olderThan?: string; keep?: number; confirm?: boolean };
        const retentionMs = o.olderThan !== undefined ? parseDuration(o.olderThan, "--older-than") * 1000 : DEFAULT_RETENTION_MS;
        const address = inv.address("direct", uri);
        if (address.kind !== "direct") throw new CliError("ERR_TARGET", "cleanup needs a storage URL");
        if (!o.confirm) {
          const out = { confirmed: false, older_than_seconds: retentionMs / 1000, keep: o.keep ?? 1 };
          inv.print({ json: out, human: `preview: cleanup would remove versions older than ${retentionMs / 1000}s (keeping ${o.keep ?? 1} newest per dataset and every referenced one) and unreferenced storage. Re-run with --confirm to do it.` });
          return EXIT.ok;
        }
        inv.confirmDestructive(address, "cleanup");
        inv.echoTarget(address);
        const { DirectGraphClient } = await import("./client/direct.ts");
        const client = (await inv.client(address, { write: true })) as InstanceType<typeof DirectGraphClient>;
        const now = Date.now();
        const effective = await retentionKeeping(client.graph, o.keep ?? 1, retentionMs, now);
        const versions = await cleanupVersions(client.graph, { retentionMs: effective, now });
        const garbage = await collectGarbage(client.graph, { retentionMs: effective, now });
        const removed = versions.lines.reduce((n, l) => n + l.versionsRemoved, 0);
        const out = {
          confirmed: true,
          older_than_seconds: effective / 1000,
          versions_removed: removed,
          datasets: versions.lines.map((l) => ({ dataset: l.path, lance_branch: l.lanceBranch, cutoff: l.cutoff, versions_removed: l.versionsRemoved })),
          lance_branches_deleted: garbage.lanceBranchesDeleted,
          datasets_deleted: garbage.datasetsDeleted,
        };
        inv.print({ json: out, human: `removed ${removed} old version(s) from ${versions.lines.length} dataset line(s); deleted ${garbage.datasetsDeleted.length} unreferenced dataset(s) and ${garbage.lanceBranchesDeleted.length} Lance branch(es)` });
        return EXIT.ok;
      }));
  }, argv);
}
