import { hostname } from "node:os";
import { z } from "zod";
import { isStorageError } from "../../drivers/errors.ts";
import { parseStoredJson } from "./stored-json.ts";
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
  /**
   * staged → written (every table at its result) → deleted after publishing. `aborted`:
   * the writer knows it never published and never will; a sweep only restores it.
   */
  status: z.enum(["staged", "written", "aborted"]),
  /** Set (compare-and-swap) by the sweep that takes this sidecar over: the writer's own CAS then fails. */
  claimedBy: z.number().int().nonnegative().optional(),
  /** Writer lease epoch of the transaction (absent before leases = 0). */
  epoch: z.number().int().nonnegative().optional(),
  idempotencyKey: z.string().optional(),
  fingerprint: z.string().optional(),
  replay: z.record(z.string(), z.unknown()).optional(),
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
  // No writer token: the retry layer gives each conditional write its own, so a sweep's
  // claim and the writer's own CAS can never mistake each other's lost responses.
  const { version } = await loc.store.put(loc.sidecarKey(s.txId), JSON.stringify(s), ifMatch ? { ifMatch } : { ifNoneMatch: "*" });
  return version;
}

/** Reads one sidecar, or undefined when it does not exist. */
export async function readSidecar(loc: GraphLocation, txId: string): Promise<{ sidecar: Sidecar; version: string } | undefined> {
  const key = loc.sidecarKey(txId);
  try {
    const got = await loc.store.get(key);
    return { sidecar: parseSidecar(got.body, key), version: got.version };
  } catch (e) {
    if (isStorageError(e, "ERR_NOT_FOUND")) return undefined;
    throw e;
  }
}

function parseSidecar(body: Buffer, key: string): Sidecar {
  return parseStoredJson(body, key, SidecarSchema, "recovery sidecar");
}

export async function deleteSidecar(loc: GraphLocation, txId: string): Promise<void> {
  await loc.store.delete(loc.sidecarKey(txId));
}

export async function listSidecars(loc: GraphLocation): Promise<{ sidecar: Sidecar; version: string }[]> {
  const out: { sidecar: Sidecar; version: string }[] = [];
  for await (const o of loc.store.list(loc.sidecarPrefix)) {
    try {
      const got = await loc.store.get(o.key);
      out.push({ sidecar: parseSidecar(got.body, o.key), version: got.version });
    } catch (e) {
      if (isStorageError(e, "ERR_NOT_FOUND")) continue; // finished while we listed
      throw e;
    }
  }
  return out;
}
