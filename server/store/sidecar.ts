import { hostname } from "node:os";
import { z } from "zod";
import { isStorageError } from "../../drivers/errors.ts";
import { StoreError } from "./errors.ts";
import type { GraphLocation } from "./layout.ts";
import { TableStateSchema } from "./manifest/entry.ts";

/**
 * A recovery sidecar (`__recovery/<txid>.json`): written create-only before a
 * transaction's first Lance write, moved to `written` (compare-and-swap) once every
 * table reached its post-commit version, deleted after the manifest entry is published.
 * A sidecar that outlives its writer tells the recovery sweep what to roll forward or
 * restore (docs/design/manifest.md, "Recovery").
 */
export const SidecarSchema = z.object({
  format: z.literal(1),
  txId: z.string(),
  /** The writer token the manifest entry will carry: how recovery finds a published entry. */
  writer: z.string(),
  branch: z.string(),
  /** Id of the branch incarnation (a recreated branch of the same name is another one). */
  branchId: z.string(),
  baseSeq: z.number().int().nonnegative(),
  actor: z.string().nullable(),
  kind: z.string(),
  startedUs: z.number().int(),
  host: z.string(),
  pid: z.number().int(),
  status: z.enum(["staged", "written"]),
  /** Tables the transaction writes: their base state (null = created here) and, once written, the result. */
  tables: z.record(z.string(), z.object({ base: TableStateSchema.nullable(), result: TableStateSchema.nullable() })),
  /** Tables removed from the branch state. */
  dropped: z.array(z.string()),
  schema: z.string().nullable(),
  /** For merges: manifest sequence of the merged source head (the entry's second parent). */
  mergedParent: z.number().int().positive().nullable().optional(),
  note: z.record(z.string(), z.unknown()).optional(),
});
export type Sidecar = z.infer<typeof SidecarSchema>;

export function newSidecarMeta(): { host: string; pid: number; startedUs: number } {
  return { host: hostname(), pid: process.pid, startedUs: Date.now() * 1000 };
}

export async function writeSidecar(loc: GraphLocation, s: Sidecar, ifMatch?: string): Promise<string> {
  const { version } = await loc.store.put(loc.sidecarKey(s.txId), JSON.stringify(s), ifMatch ? { ifMatch, writerToken: s.writer } : { ifNoneMatch: "*", writerToken: s.writer });
  return version;
}

export async function deleteSidecar(loc: GraphLocation, txId: string): Promise<void> {
  await loc.store.delete(loc.sidecarKey(txId));
}

export async function listSidecars(loc: GraphLocation): Promise<{ sidecar: Sidecar; version: string }[]> {
  const out: { sidecar: Sidecar; version: string }[] = [];
  for await (const o of loc.store.list(loc.sidecarPrefix)) {
    try {
      const got = await loc.store.get(o.key);
      const parsed = SidecarSchema.safeParse(JSON.parse(got.body.toString("utf8")));
      if (!parsed.success) throw new StoreError("ERR_MANIFEST_CORRUPT", `recovery sidecar ${o.key} is malformed: ${parsed.error.issues[0]?.message}`, { key: o.key });
      out.push({ sidecar: parsed.data, version: got.version });
    } catch (e) {
      if (isStorageError(e, "ERR_NOT_FOUND")) continue; // finished while we listed
      throw e;
    }
  }
  return out;
}
