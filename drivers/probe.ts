import { randomBytes } from "node:crypto";
import { listAll } from "./base.ts";
import type { ObjectStore } from "./contract.ts";
import { isStorageError } from "./errors.ts";

/** One capability the commit protocol needs from a store. */
export type Capability = "create-only" | "compare-and-swap" | "if-match-missing-key" | "list-after-write" | "delete";

export interface ProbeCheck {
  capability: Capability;
  ok: boolean;
  /** What was observed, in one sentence an operator can act on. */
  detail: string;
  ms: number;
}

export interface ProbeReport {
  store: string;
  ok: boolean;
  checks: ProbeCheck[];
  /** Capabilities that failed; writers must not run on this store. */
  missing: Capability[];
}

const EXPLAIN: Record<Capability, string> = {
  "create-only": "conditional create (PUT with If-None-Match: *) must refuse to overwrite an existing object",
  "compare-and-swap": "compare-and-swap (PUT with If-Match: <version>) must refuse a stale version",
  "if-match-missing-key": "If-Match on a missing object must fail, not create it",
  "list-after-write": "LIST must show an object as soon as its PUT has returned",
  "delete": "DELETE must remove the object",
};

/**
 * Probes a store once, under a temporary prefix, for what the commit protocol relies
 * on: atomic create-only writes, compare-and-swap, list-after-write and delete. A
 * store that silently ignores conditional headers (s3rver, some gateways) fails here,
 * and writers refuse to run on it. Costs about a dozen requests; cleans up after itself.
 */
export async function probeStore(store: ObjectStore): Promise<ProbeReport> {
  const base = `__omnigraph_doctor/${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`;
  const checks: ProbeCheck[] = [];
  const check = async (capability: Capability, fn: () => Promise<string | undefined>): Promise<void> => {
    const t0 = performance.now();
    try {
      const problem = await fn();
      checks.push({ capability, ok: problem === undefined, detail: problem ?? EXPLAIN[capability], ms: performance.now() - t0 });
    } catch (e) {
      const code = isStorageError(e) ? e.code : "ERR_UNEXPECTED";
      checks.push({ capability, ok: false, detail: `${code}: ${(e as Error).message}`, ms: performance.now() - t0 });
    }
  };
  const refused = async (p: Promise<unknown>): Promise<boolean> => {
    try {
      await p;
      return false;
    } catch (e) {
      if (isStorageError(e, "ERR_PRECONDITION_FAILED")) return true;
      throw e;
    }
  };

  const a = `${base}/create-only`;
  const b = `${base}/cas`;
  await check("create-only", async () => {
    await store.put(a, "first", { ifNoneMatch: "*" });
    if (!(await refused(store.put(a, "second", { ifNoneMatch: "*" })))) {
      return "a second create-only PUT of the same key succeeded: the store ignores If-None-Match, so two writers could both commit";
    }
    const body = (await store.get(a)).body.toString();
    return body === "first" ? undefined : `the object was overwritten (now ${JSON.stringify(body)})`;
  });
  await check("compare-and-swap", async () => {
    const v1 = (await store.put(b, "v1")).version;
    const v2 = (await store.put(b, "v2", { ifMatch: v1 })).version;
    if (!(await refused(store.put(b, "stale", { ifMatch: v1 })))) {
      return "a PUT with a stale If-Match version succeeded: the store ignores If-Match";
    }
    if (v1 === v2) return "two different writes produced the same version token";
    return (await store.get(b)).body.toString() === "v2" ? undefined : "the stale write replaced the object";
  });
  await check("if-match-missing-key", async () => {
    const missing = `${base}/never-written`;
    const version = (await store.head(b)).version;
    if (!(await refused(store.put(missing, "x", { ifMatch: version })))) {
      return "a PUT with If-Match on a missing key created it";
    }
    return undefined;
  });
  await check("list-after-write", async () => {
    const keys = (await listAll(store, `${base}/`)).map((o) => o.key);
    const want = [a, b].filter((k) => !keys.includes(k));
    return want.length === 0 ? undefined : `LIST did not show ${want.join(", ")} right after writing`;
  });
  await check("delete", async () => {
    const keys = (await listAll(store, `${base}/`)).map((o) => o.key);
    for (const k of keys) await store.delete(k);
    const left = await listAll(store, `${base}/`);
    return left.length === 0 ? undefined : `${left.length} objects remain after DELETE`;
  });
  // Best effort: never leave probe objects behind, even after a failed check.
  for (const k of [a, b, `${base}/never-written`]) await store.delete(k).catch(() => {});

  const missing = checks.filter((c) => !c.ok).map((c) => c.capability);
  return { store: store.description, ok: missing.length === 0, checks, missing };
}

/** Renders a probe report for a terminal. */
export function formatProbeReport(r: ProbeReport): string {
  const lines = [`omnigraph doctor: ${r.store}`];
  for (const c of r.checks) lines.push(`  ${c.ok ? "ok  " : "FAIL"} ${c.capability.padEnd(22)} ${c.ms.toFixed(0).padStart(5)} ms  ${c.ok ? "" : c.detail}`);
  lines.push(
    r.ok
      ? "result: this store supports conditional writes; writers can commit to it safely."
      : `result: UNSAFE for writers — missing: ${r.missing.join(", ")}. ${r.missing.map((m) => EXPLAIN[m]).join("; ")}.`,
  );
  return lines.join("\n");
}
