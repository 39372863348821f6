import { StoreError } from "./errors.ts";

/**
 * Failpoints at every phase boundary of the write protocols (commit, branch create and
 * delete, merge, schema change, recovery). Enabled by name, programmatically or through
 * `OMNIGRAPH_FAILPOINTS="commit.after_sidecar=crash,merge.before_publish=error"`.
 *
 * - `error`: throw `ERR_FAILPOINT` (the operation fails like any I/O error would);
 * - `crash`: kill the process at once with SIGKILL — no finally blocks, no flushing,
 *   exactly what a power cut or OOM kill leaves behind.
 */
export type FailpointAction = "error" | "crash";

/** Every failpoint the store defines; tests iterate over this list. */
export const FAILPOINTS = [
  ...(["commit", "schema", "merge"] as const).flatMap((op) => [
    `${op}.before_sidecar`,
    `${op}.after_sidecar`,
    `${op}.after_table_writes`,
    `${op}.after_sidecar_written`,
    `${op}.after_manifest_before_written`,
    `${op}.after_manifest`,
    `${op}.after_hint`,
  ] as const),
  "branch_create.before_publish",
  "branch_create.after_publish",
  "branch_delete.before_publish",
  "branch_delete.after_publish",
  "recovery.after_restore",
  "recovery.before_publish",
] as const;

export type FailpointName = (typeof FAILPOINTS)[number];

/** The failpoint prefix of a commit: schema changes and merges have their own names. */
export type CommitPhaseOp = "commit" | "schema" | "merge";

const active = new Map<string, FailpointAction>();
let envLoaded = false;

function loadEnv(): void {
  if (envLoaded) return;
  envLoaded = true;
  const spec = process.env.OMNIGRAPH_FAILPOINTS;
  if (!spec) return;
  for (const part of spec.split(",").map((s) => s.trim()).filter(Boolean)) {
    const [name, action] = part.split("=");
    if (!name || (action !== "error" && action !== "crash")) {
      throw new Error(`OMNIGRAPH_FAILPOINTS: '${part}' must be <name>=error|crash`);
    }
    if (!(FAILPOINTS as readonly string[]).includes(name)) {
      throw new Error(`OMNIGRAPH_FAILPOINTS: unknown failpoint '${name}'; known: ${FAILPOINTS.join(", ")}`);
    }
    active.set(name, action);
  }
}

export function setFailpoint(name: FailpointName, action: FailpointAction | undefined): void {
  loadEnv();
  if (action === undefined) active.delete(name);
  else active.set(name, action);
}

export function clearFailpoints(): void {
  active.clear();
}

/**
 * Is the failpoint enabled? For phase boundaries between requests the store sends in
 * parallel: an armed failpoint makes the store send them one after the other, so the
 * crash lands at exactly one interleaving (e.g. the sidecar says `written` while the
 * entry was never sent).
 */
export function failpointArmed(name: FailpointName): boolean {
  loadEnv();
  return active.has(name);
}

/** Called by the store at each phase boundary; a no-op unless the failpoint is enabled. */
export function failpoint(name: FailpointName): void {
  loadEnv();
  const action = active.get(name);
  if (!action) return;
  if (action === "crash") {
    process.kill(process.pid, "SIGKILL");
  }
  throw new StoreError("ERR_FAILPOINT", `failpoint ${name} fired`, { failpoint: name });
}
