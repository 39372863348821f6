import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { z } from "zod";
import { isStorageError } from "../../drivers/errors.ts";
import { parseStoredJson } from "./stored-json.ts";
import { LeaseHeld, LeaseLost } from "./errors.ts";
import type { GraphLocation } from "./layout.ts";

/**
 * Writer leases with epochs (docs/design/leases.md). One object per (graph, duty) holds
 * `{owner, epoch, durationMs}`; it is taken and renewed by compare-and-swap on the
 * object's version. Liveness is judged only by that version: a contender takes a lease
 * over after it has seen the object's version unchanged for a full lease period on its
 * OWN monotonic clock. No wall clock is ever compared across hosts, and no pid is read.
 */
export const LEASE_DUTIES = ["writer", "recovery", "compaction", "index", "cleanup"] as const;
export type LeaseDuty = (typeof LEASE_DUTIES)[number];

export const LeaseRecordSchema = z.object({
  format: z.literal(1),
  duty: z.enum(LEASE_DUTIES),
  /** Holder (host:pid:random, for people and errors only); null once released. */
  owner: z.string().nullable(),
  /** Increases by one on every change of holder; entries and sidecars carry it. */
  epoch: z.number().int().positive(),
  /** The holder's promise: it renews more often than this. Contenders wait this long. */
  durationMs: z.number().int().positive(),
  /** Informational only (the holder's wall clock at the last renewal); never used for decisions. */
  renewedAt: z.string(),
});
export type LeaseRecord = z.infer<typeof LeaseRecordSchema>;

export interface LeaseOptions {
  /** Lease period (default 10 s). Renewal runs every third of it. */
  durationMs?: number;
  /**
   * How long an open waits for a held lease before `ERR_LEASE_HELD` (default twice the
   * holder's period: enough to take over from a holder that died).
   */
  waitMs?: number;
  /**
   * Stop waiting as soon as the holder is seen renewing (`ERR_LEASE_HELD` with
   * `alive: true`): for a one-shot client (the CLI beside a running server), which would
   * otherwise wait out `waitMs` for a holder that is alive and will not let go. Waiting
   * is still right for a restarted writer taking over from a dying one.
   */
  stopWhenRenewed?: boolean;
  /** Holder identity; default one per process. Handles of one owner in one process share the lease. */
  owner?: string;
}

export const DEFAULT_LEASE_MS = 10_000;

/** This process's default owner name. */
export const PROCESS_OWNER = `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;

const monotonicMs = (): number => performance.now();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** What acquiring cost and found (for reports and the budget test). */
export interface LeaseAcquisition {
  epoch: number;
  /** True when the previous holder's lease was taken over (it had stopped renewing). */
  tookOver: boolean;
  previousOwner: string | null;
}

/**
 * One held lease, shared by every handle of its owner in this process (reference
 * counted). Renews in the background; when a renewal finds the object changed, or has
 * failed for a whole period, the lease is lost and every write through it stops with
 * `ERR_LEASE_LOST`. Also tracks the transactions in flight under it, which a sweep
 * under the same epoch leaves alone.
 */
export class Lease {
  private version: string;
  private lastRenewed: number;
  private timer: NodeJS.Timeout | undefined;
  private lostReason: string | undefined;
  private refs = 0;
  private suspended = false;
  readonly inFlight = new Set<string>();

  private constructor(readonly loc: GraphLocation, readonly duty: LeaseDuty, readonly owner: string, readonly epoch: number, readonly durationMs: number, version: string, readonly acquisition: LeaseAcquisition) {
    this.version = version;
    this.lastRenewed = monotonicMs();
  }

  private static registry = new Map<string, Promise<Lease>>();
  /** Releases under way: a new acquisition by the same owner waits for them. */
  private static releasing = new Map<string, Promise<void>>();

  /** Takes (or joins this process's hold of) the lease of `duty` on the graph at `loc`. */
  static async acquire(loc: GraphLocation, duty: LeaseDuty, opts: LeaseOptions = {}): Promise<Lease> {
    const owner = opts.owner ?? PROCESS_OWNER;
    const key = `${loc.description()}|${duty}|${owner}`;
    await Lease.releasing.get(key);
    let p = Lease.registry.get(key);
    if (p) {
      const held = await p.catch(() => undefined);
      if (held && !held.lost && held.refs > 0) {
        held.refs++;
        return held;
      }
    }
    p = Lease.take(loc, duty, owner, opts);
    Lease.registry.set(key, p);
    p.catch(() => Lease.registry.get(key) === p && Lease.registry.delete(key));
    const lease = await p;
    lease.refs = 1;
    lease.startRenewal();
    return lease;
  }

  private static async read(loc: GraphLocation, duty: LeaseDuty): Promise<{ rec: LeaseRecord; version: string } | undefined> {
    const key = leaseKey(loc, duty);
    try {
      const got = await loc.store.get(key);
      return { rec: parseStoredJson(got.body, key, LeaseRecordSchema, "lease object"), version: got.version };
    } catch (e) {
      if (isStorageError(e, "ERR_NOT_FOUND")) return undefined;
      throw e;
    }
  }

  private static async take(loc: GraphLocation, duty: LeaseDuty, owner: string, opts: LeaseOptions): Promise<Lease> {
    const durationMs = opts.durationMs ?? DEFAULT_LEASE_MS;
    const started = monotonicMs();
    const key = leaseKey(loc, duty);
    const record = (epoch: number): string => JSON.stringify({ format: 1, duty, owner, epoch, durationMs, renewedAt: new Date().toISOString() } satisfies LeaseRecord);
    for (;;) {
      const cur = await Lease.read(loc, duty);
      try {
        if (!cur) {
          const { version } = await loc.store.put(key, record(1), { ifNoneMatch: "*", contentType: "application/json" });
          return new Lease(loc, duty, owner, 1, durationMs, version, { epoch: 1, tookOver: false, previousOwner: null });
        }
        if (cur.rec.owner === null) {
          const epoch = cur.rec.epoch + 1;
          const { version } = await loc.store.put(key, record(epoch), { ifMatch: cur.version, contentType: "application/json" });
          return new Lease(loc, duty, owner, epoch, durationMs, version, { epoch, tookOver: false, previousOwner: null });
        }
      } catch (e) {
        if (isStorageError(e, "ERR_PRECONDITION_FAILED")) continue; // someone else moved first: look again
        throw e;
      }
      // Held. Watch the object: its version must stay unchanged for a whole period of
      // the holder's, measured on our own monotonic clock, before it counts as expired.
      const waitMs = opts.waitMs ?? 2 * cur.rec.durationMs + 1000;
      let seen = cur;
      let since = monotonicMs();
      let expired = false;
      while (!expired) {
        const left = seen.rec.durationMs - (monotonicMs() - since);
        if (left <= 0) {
          expired = true;
          break;
        }
        const waited = monotonicMs() - started;
        if (waited >= waitMs) throw new LeaseHeld(duty, seen.rec.owner ?? "nobody", seen.rec.epoch, false);
        await sleep(Math.max(1, Math.min(left, Math.max(10, seen.rec.durationMs / 4), waitMs - waited)));
        const now = await Lease.read(loc, duty);
        if (!now || now.version !== seen.version) {
          if (!now || now.rec.owner === null) break; // gone or released: take it normally
          if (opts.stopWhenRenewed) throw new LeaseHeld(duty, now.rec.owner, now.rec.epoch, true);
          seen = now; // the holder renewed: it is alive; start over
          since = monotonicMs();
        }
      }
      if (!expired) continue;
      const epoch = seen.rec.epoch + 1;
      try {
        const { version } = await loc.store.put(key, record(epoch), { ifMatch: seen.version, contentType: "application/json" });
        return new Lease(loc, duty, owner, epoch, durationMs, version, { epoch, tookOver: true, previousOwner: seen.rec.owner });
      } catch (e) {
        if (!isStorageError(e, "ERR_PRECONDITION_FAILED")) throw e;
      }
    }
  }

  private startRenewal(): void {
    const every = Math.max(5, Math.floor(this.durationMs / 3));
    this.timer = setInterval(() => void this.renew(), every);
    this.timer.unref();
  }

  /** One renewal: compare-and-swap on the version we hold. */
  async renew(): Promise<void> {
    if (this.lostReason || this.suspended || this.renewing) return;
    this.renewing = true;
    try {
      await this.renewOnce();
    } finally {
      this.renewing = false;
    }
  }

  private renewing = false;

  private async renewOnce(): Promise<void> {
    const body = JSON.stringify({ format: 1, duty: this.duty, owner: this.owner, epoch: this.epoch, durationMs: this.durationMs, renewedAt: new Date().toISOString() } satisfies LeaseRecord);
    // A contender can only have started watching the new version after we sent it, so
    // the send time (not the answer's) bounds when a takeover can happen.
    const sent = monotonicMs();
    try {
      const { version } = await this.loc.store.put(leaseKey(this.loc, this.duty), body, { ifMatch: this.version, contentType: "application/json" });
      this.version = version;
      this.lastRenewed = sent;
    } catch (e) {
      if (isStorageError(e, "ERR_PRECONDITION_FAILED") || isStorageError(e, "ERR_NOT_FOUND")) this.markLost("another process took the lease over");
      // Other failures: try again at the next tick (a contender may take over meanwhile;
      // its fence then stops our next publish).
    }
  }

  markLost(reason: string): void {
    this.lostReason ??= reason;
    if (this.timer) clearInterval(this.timer);
  }

  /**
   * True once this holder knows it lost the lease: a renewal found the object changed,
   * or the publish loop met an entry of a newer epoch (the fence). The holder does not
   * judge itself by its own clock: under load its renewals can lag, and a contender that
   * took over has fenced the log first, so the fence is what stops a stale holder.
   */
  get lost(): boolean {
    return this.lostReason !== undefined;
  }

  /** Milliseconds since the last successful renewal was sent (for health reporting). */
  get sinceRenewalMs(): number {
    return monotonicMs() - this.lastRenewed;
  }

  /** The highest manifest sequence any handle sharing this lease has seen or written. */
  private highestSeq = 0;

  /** Records an entry a handle under this lease read or wrote (Graph's log calls it). */
  observe(seq: number): void {
    if (seq > this.highestSeq) this.highestSeq = seq;
  }

  /**
   * True while this lease proves that no other process can have published on its graph
   * after `seq`, the last entry a handle knows: no handle sharing the lease has seen a
   * later one (handles of one process share it and each has its own log), the lease is
   * not known lost, renewal is not suspended, and the last successful renewal was SENT
   * less than two thirds of a period ago. A contender takes over only after watching the
   * object unchanged for a whole period that starts no earlier than that send, so the
   * third left over covers clock-rate drift and a slow check. Used to skip the head check
   * before a write (Graph.snapshot `forWrite`); the commit's create-only entry PUT still
   * detects anything this reasoning missed.
   */
  provesHeadAt(seq: number): boolean {
    return seq >= this.highestSeq && !this.lost && !this.suspended && this.sinceRenewalMs < (this.durationMs * 2) / 3;
  }

  /** Throws `ERR_LEASE_LOST` when the lease is lost. No request. */
  assertHeld(): void {
    if (this.lost) throw new LeaseLost(this.duty, this.epoch, this.lostReason!);
  }

  /**
   * Fault injection: stop renewing, as a paused or partitioned process would (the
   * lease then expires for contenders while this holder still believes in it until
   * its own period runs out).
   */
  suspendRenewal(): void {
    this.suspended = true;
  }

  /** Drops one handle's reference; the last one releases the lease (owner → null, one CAS). */
  async release(): Promise<void> {
    if (--this.refs > 0) return;
    const reg = `${this.loc.description()}|${this.duty}|${this.owner}`;
    const done = this.releaseNow(reg);
    Lease.releasing.set(reg, done);
    try {
      await done;
    } finally {
      if (Lease.releasing.get(reg) === done) Lease.releasing.delete(reg);
    }
  }

  private async releaseNow(reg: string): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    const mine = Lease.registry.get(reg);
    if (mine && (await mine.catch(() => undefined)) === this) Lease.registry.delete(reg);
    if (this.lostReason) return;
    this.lostReason = "released";
    while (this.renewing) await sleep(5); // our own renewal in flight would make the release CAS miss
    const body = JSON.stringify({ format: 1, duty: this.duty, owner: null, epoch: this.epoch, durationMs: this.durationMs, renewedAt: new Date().toISOString() } satisfies LeaseRecord);
    // Best effort: if it fails, the lease simply expires after one period.
    await this.loc.store.put(leaseKey(this.loc, this.duty), body, { ifMatch: this.version, contentType: "application/json" }).catch(() => undefined);
  }
}

export function leaseKey(loc: GraphLocation, duty: LeaseDuty): string {
  return loc.key(`__lease/${duty}.json`);
}
