import type { Catalog } from "../engine/schema/catalog.ts";
import type { GraphEngine } from "../engine/engine.ts";
import { keyOf } from "../engine/storage/columns.ts";
import { isStoreError } from "../store/errors.ts";
import type { TableState } from "../store/manifest/entry.ts";
import type { CommittedTables } from "../store/graph.ts";
import { cleanupVersions, compactTable, DEFAULT_CUTOFF_MARGIN_MS, DEFAULT_RETENTION_MS, refreshIndexes } from "../store/maintenance.ts";

/**
 * When the duties of one graph run and how much each run may do. Every threshold is
 * per table of one branch (the Lance line that branch owns).
 */
export interface MaintenanceConfig {
  /** Time between the end of one run and the start of the next. */
  intervalMs: number;
  /** Compact a table once it has at least this many fragments. */
  compactMinFragments: number;
  /** …or once this share of its fragments is small (Lance's own "uncompacted" count), with at least `compactMinSmallFragments` small ones. */
  compactSmallRatio: number;
  compactMinSmallFragments: number;
  /** Rebuild a scalar index once this many rows are not covered by it (compaction also folds new fragments into indexes). */
  indexMaxUnindexedRows: number;
  /** Lance versions older than this (and referenced by no branch, pin or transaction) are removed. */
  retentionMs: number;
  /** Margin kept below the oldest referenced version's timestamp (see the store's DEFAULT_CUTOFF_MARGIN_MS). */
  cleanupMarginMs: number;
  /** Version cleanup runs at most this often (it lists every referenced line's versions). */
  cleanupIntervalMs: number;
  /** A run starts no new duty after this long (a duty in progress finishes). */
  runBudgetMs: number;
  /** At most this many table-changing duties (compactions, index builds) per run. */
  maxDutiesPerRun: number;
  /**
   * After-commit duties: a commit to a table schedules a look at that table
   * `afterCommitDelayMs` later (commits meanwhile join the same pass), off the request
   * path, so the tables clients write stay covered by their indexes between timer runs.
   */
  afterCommit: boolean;
  afterCommitDelayMs: number;
  /** Only tables with at most this many rows get after-commit duties (larger ones wait for the timer: their rebuilds cost more). */
  afterCommitMaxRows: number;
  /** Rebuild a table's indexes once this many of its rows are outside them (each single-row commit adds one fragment a point read scans). */
  afterCommitUnindexedRows: number;
  /** Compact a table once it has this many fragments (instead of rebuilding its indexes over all of them). */
  afterCommitCompactFragments: number;
  /**
   * While client writes are queued or running (`busy`), a due pass waits for a gap, up to
   * this long after it was due: its duties would hold the write queue, so a burst of
   * writes pays for fewer of them (reads during the burst scan a few more fragments).
   */
  afterCommitMaxWaitMs: number;
}

export const DEFAULT_MAINTENANCE: MaintenanceConfig = {
  intervalMs: 30_000,
  compactMinFragments: 32,
  compactSmallRatio: 0.5,
  compactMinSmallFragments: 16,
  indexMaxUnindexedRows: 50_000,
  retentionMs: DEFAULT_RETENTION_MS,
  cleanupMarginMs: DEFAULT_CUTOFF_MARGIN_MS,
  cleanupIntervalMs: 10 * 60_000,
  runBudgetMs: 20_000,
  maxDutiesPerRun: 8,
  afterCommit: true,
  afterCommitDelayMs: 100,
  afterCommitMaxRows: 100_000,
  afterCommitUnindexedRows: 4,
  afterCommitCompactFragments: 16,
  afterCommitMaxWaitMs: 2_000,
};

/** How often a due after-commit pass looks for a gap in the writes. */
const BUSY_POLL_MS = 10;

/** What one duty did. */
export interface DutyReport {
  duty: "compact" | "index" | "cleanup";
  branch: string | null;
  table: string | null;
  column?: string;
  ms: number;
  outcome: "done" | "noop" | "conflict" | "failed";
  /** Store error code when it did not succeed. */
  code?: string;
  fragmentsBefore?: number;
  fragmentsAfter?: number;
  bytesBefore?: number;
  bytesAfter?: number;
  versionsRemoved?: number;
}

/** One maintenance run of one graph. */
export interface RunReport {
  startedAt: string;
  durationMs: number;
  /** True when the time budget or the duty cap left work for the next run. */
  truncated: boolean;
  duties: DutyReport[];
  /** Set when the run itself failed (reading the head, say); duties that ran are listed. */
  error?: { code: string; message: string };
  /** What started it: the interval timer (or `runOnce`), or commits (the after-commit pass). */
  trigger?: "timer" | "commit";
}

/** The status a server exposes (and turns into metrics). */
export interface MaintenanceStatus {
  running: boolean;
  runs: number;
  compactions: number;
  indexBuilds: number;
  versionsRemoved: number;
  failures: number;
  lastRun: RunReport | null;
}

/**
 * Runs `fn` while no client write of `branch` is publishing (the group commit
 * pipeline's exclusive slot), so a maintenance commit never makes a client's commit
 * conflict: writes queue behind it instead, for one duty at most.
 */
export type ExclusiveRunner = <T>(branch: string, fn: () => Promise<T>) => Promise<T>;

interface Candidate {
  branch: string;
  tableKey: string;
  state: TableState;
  columns: string[];
}

/**
 * Automatic maintenance of one open graph, off the request path: compacts tables whose
 * fragments pile up (every single-row commit adds one, and LanceDB reads every fragment
 * for a keyed write or a point read), builds btree indexes on `@key` and `@index`
 * columns and keeps them current, and removes Lance versions beyond the retention
 * window while pinned snapshots stay readable. Uses the store's primitives
 * (`server/store/maintenance.ts`), which are safe beside writers; with an
 * {@link ExclusiveRunner} table-changing duties also never race this process's own
 * writers. Errors are recorded in the status, never thrown to a client.
 */
export class Maintenance {
  readonly config: MaintenanceConfig;
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<RunReport> | undefined;
  private stopped = false;
  /** Runs and after-commit passes take turns (one at a time per graph). */
  private lane: Promise<unknown> = Promise.resolve();
  /** Tables commits wrote since the last after-commit pass: branch → table keys. */
  private touched = new Map<string, Set<string>>();
  private reactTimer: NodeJS.Timeout | undefined;
  private reacting: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;
  private lastCleanupMs = 0;
  private readonly state: MaintenanceStatus = { running: false, runs: 0, compactions: 0, indexBuilds: 0, versionsRemoved: 0, failures: 0, lastRun: null };

  constructor(
    private readonly engine: GraphEngine,
    config: Partial<MaintenanceConfig> = {},
    private readonly opts: {
      exclusive?: ExclusiveRunner;
      /** True while client writes are queued or running (the write queue's depth). */
      busy?: () => boolean;
      warn?: (msg: string, err?: unknown) => void;
      onRun?: (r: RunReport) => void;
    } = {},
  ) {
    this.config = { ...DEFAULT_MAINTENANCE, ...config };
  }

  /** A copy of the current status. */
  status(): MaintenanceStatus {
    return structuredClone(this.state);
  }

  /**
   * Starts the periodic runs and, with `afterCommit`, the after-commit passes (neither
   * timer keeps the process alive).
   */
  start(): void {
    this.stopped = false;
    this.schedule(this.config.intervalMs);
    if (this.config.afterCommit && !this.unsubscribe) this.unsubscribe = this.engine.graph.onCommitted((c) => this.noteCommit(c));
  }

  /** Stops scheduling and waits for a run or pass in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.reactTimer) clearTimeout(this.reactTimer);
    this.reactTimer = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.touched.clear();
    await this.current?.catch(() => undefined);
    await this.reacting?.catch(() => undefined);
  }

  /**
   * Records a published commit; the tables it wrote get an after-commit pass soon. Only
   * schedules (a timer): never any I/O on the committing request's path.
   */
  noteCommit(c: CommittedTables): void {
    if (this.stopped || !this.config.afterCommit || c.kind === "maintenance" || c.tables.length === 0) return;
    this.touch(c.branch, c.tables);
    this.scheduleReact();
  }

  /** Remembers tables of `branch` for the next after-commit pass. */
  private touch(branch: string, tables: Iterable<string>): void {
    const set = this.touched.get(branch) ?? this.touched.set(branch, new Set()).get(branch)!;
    for (const t of tables) set.add(t);
  }

  /** Resolves once no after-commit pass is scheduled or running (tests, benchmarks, drain). */
  async settled(): Promise<void> {
    while (this.reactTimer || this.reacting) {
      if (this.reacting) await this.reacting.catch(() => undefined);
      else await new Promise((r) => setTimeout(r, Math.max(1, this.config.afterCommitDelayMs)));
    }
  }

  /**
   * Resolves once the graph is quiet: its commits' after-commit work done, no pass
   * scheduled or running, and the passes' own commits' after-commit work done too.
   */
  async quiesce(): Promise<void> {
    await this.engine.graph.drain();
    await this.settled();
    await this.engine.graph.drain();
  }

  private scheduleReact(dueAt = Date.now() + this.config.afterCommitDelayMs): void {
    if (this.reactTimer || this.reacting || this.stopped) return;
    this.reactTimer = setTimeout(() => {
      this.reactTimer = undefined;
      if (this.opts.busy?.() && Date.now() - dueAt < this.config.afterCommitMaxWaitMs) {
        this.scheduleReact(dueAt); // writes are flowing: look again for a gap
        return;
      }
      this.reacting = this.inLane(() => this.react()).then(() => undefined, () => undefined).finally(() => {
        this.reacting = undefined;
        if (this.touched.size > 0) this.scheduleReact();
      });
    }, Math.max(BUSY_POLL_MS, dueAt - Date.now()));
    this.reactTimer.unref();
  }

  private inLane<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lane.then(fn, fn);
    this.lane = run.catch(() => undefined);
    return run;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.runOnce().finally(() => this.schedule(this.config.intervalMs));
    }, ms);
    this.timer.unref();
  }

  /** One run now (or the one in progress). Never rejects: failures are in the report. */
  runOnce(): Promise<RunReport> {
    this.current ??= this.inLane(() => this.run()).finally(() => (this.current = undefined));
    return this.current;
  }

  /**
   * The after-commit pass over the tables commits wrote since the last one. Per table
   * (owned by its branch, at most `afterCommitMaxRows` rows): compact once it has
   * `afterCommitCompactFragments` fragments (compaction also folds every fragment into
   * the existing indexes); else rebuild the indexes that miss at least
   * `afterCommitUnindexedRows` rows, and build missing ones — one maintenance commit,
   * no data rewritten. Looking costs at most one request per table (fragment stats);
   * the duties run in the write queue like every table-changing duty.
   */
  private async react(): Promise<void> {
    const work = this.touched;
    this.touched = new Map();
    if (this.stopped) return;
    const t0 = Date.now();
    const report: RunReport = { startedAt: new Date(t0).toISOString(), durationMs: 0, truncated: false, duties: [], trigger: "commit" };
    const graph = this.engine.graph;
    try {
      // What to do is decided on a write snapshot: the head this handle last saw while its
      // lease proves it current (no request), as each duty's own maintenance commit does.
      for (const [branch, tables] of work) {
        const snap = await graph.snapshot({ branch, forWrite: true }).catch((e: unknown) => {
          if (isStoreError(e, "ERR_BRANCH_NOT_FOUND")) return undefined; // deleted since its commit
          throw e;
        });
        if (!snap) continue;
        const catalog = await this.engine.catalogOf(snap);
        for (const tableKey of tables) {
          if (report.duties.length >= this.config.maxDutiesPerRun || Date.now() - t0 > this.config.runBudgetMs) {
            report.truncated = true;
            this.touch(branch, [tableKey]);
            continue;
          }
          const state = snap.tableState(tableKey);
          if (!state || state.owner !== snap.record.id || state.rows === 0 || (state.rows ?? Infinity) > this.config.afterCommitMaxRows) continue;
          const columns = indexedColumns(catalog, tableKey);
          if (columns.length === 0) continue;
          const table = await graph.tables.read(state);
          const indexed = new Map((await table.listIndices()).map((ix) => [ix.columns[0]!, ix.name]));
          const stale: string[] = [];
          for (const col of columns) {
            const name = indexed.get(col);
            if (name === undefined) {
              // A missing index waits for as many rows as a stale one: a maintenance commit
              // moves the branch head (and with it a client's `If-Graph-Commit` precondition),
              // so one is not spent on a table of one or two rows.
              if ((state.rows ?? 0) >= this.config.afterCommitUnindexedRows) stale.push(col);
              continue;
            }
            const st = await table.indexStats(name);
            if (st && st.numUnindexedRows >= this.config.afterCommitUnindexedRows) stale.push(col);
          }
          if (stale.length === 0) continue;
          const stats = await table.stats();
          const fragments = stats.fragmentStats.numFragments;
          const c: Candidate = { branch, tableKey, state, columns };
          if (fragments >= this.config.afterCommitCompactFragments) {
            report.duties.push(await this.compactDuty(c, fragments, stats.totalBytes));
            // Compaction folds new fragments into existing indexes; a missing one still needs building.
            const missing = columns.filter((col) => !indexed.has(col));
            if (missing.length > 0) report.duties.push(await this.indexDuty(c, missing));
          } else {
            report.duties.push(await this.indexDuty(c, stale));
          }
        }
      }
    } catch (e) {
      this.recordFailure(report, "after-commit maintenance failed", e);
    }
    report.durationMs = Date.now() - t0;
    if (report.duties.length === 0 && !report.error) return; // nothing to do: not a run
    this.recordRun(report);
  }

  private recordFailure(report: RunReport, what: string, e: unknown): void {
    report.error = { code: codeOf(e), message: (e as Error)?.message ?? String(e) };
    this.state.failures++;
    this.opts.warn?.(what, e);
  }

  /** Counts a finished run (a timer run or an after-commit pass) and tells the observer. */
  private recordRun(report: RunReport): void {
    this.state.runs++;
    this.state.lastRun = report;
    try {
      this.opts.onRun?.(report);
    } catch (e) {
      // An observer (metrics) must not turn a finished run into a rejected promise.
      this.opts.warn?.("maintenance run observer failed", e);
    }
  }

  private async run(): Promise<RunReport> {
    const t0 = Date.now();
    this.state.running = true;
    const report: RunReport = { startedAt: new Date(t0).toISOString(), durationMs: 0, truncated: false, duties: [], trigger: "timer" };
    try {
      const graph = this.engine.graph;
      let changes = 0;
      const over = () => Date.now() - t0 > this.config.runBudgetMs || changes >= this.config.maxDutiesPerRun;
      // Look at every table first, then spend the run's duty cap where it pays most:
      // compactions, most fragments first (each fragment costs every keyed write and
      // point read one GET), then missing indexes, then stale ones. Table by table in
      // entry order, a 112-table graph spent its whole cap indexing one-row tables while
      // the table with a hundred fragments waited.
      type Planned = { c: Candidate; fragments: number; bytes: number; compact: boolean; missing: string[]; indexed: Map<string, string>; table: Awaited<ReturnType<typeof graph.tables.read>> };
      const planned: Planned[] = [];
      for (const c of await this.candidates()) {
        if (Date.now() - t0 > this.config.runBudgetMs) {
          report.truncated = true;
          break;
        }
        const table = await graph.tables.read(c.state);
        const stats = await table.stats();
        const frags = stats.fragmentStats;
        const compact = frags.numFragments >= this.config.compactMinFragments
          || (frags.numSmallFragments >= this.config.compactMinSmallFragments && frags.numSmallFragments / Math.max(1, frags.numFragments) >= this.config.compactSmallRatio);
        const indexed = new Map((await table.listIndices()).map((ix) => [ix.columns[0]!, ix.name]));
        const missing = stats.numRows > 0 ? c.columns.filter((col) => !indexed.has(col)) : [];
        planned.push({ c, fragments: frags.numFragments, bytes: stats.totalBytes, compact, missing, indexed, table });
      }
      for (const p of planned.filter((x) => x.compact).sort((x, y) => y.fragments - x.fragments)) {
        if (over()) {
          report.truncated = true;
          break;
        }
        changes++;
        report.duties.push(await this.compactDuty(p.c, p.fragments, p.bytes));
      }
      indexing: for (const p of [...planned].sort((x, y) => y.fragments - x.fragments)) {
        for (const col of p.missing) {
          if (over()) {
            report.truncated = true;
            break indexing;
          }
          changes++;
          report.duties.push(await this.indexDuty(p.c, [col]));
        }
      }
      for (const p of planned) {
        if (p.compact) continue; // compaction folds new fragments into the indexes
        // Indexes that exist but have fallen behind: rebuild.
        for (const [col, name] of p.indexed) {
          if (!p.c.columns.includes(col) || changes >= this.config.maxDutiesPerRun) continue;
          const st = await p.table.indexStats(name);
          if (st && st.numUnindexedRows >= this.config.indexMaxUnindexedRows) {
            changes++;
            report.duties.push(await this.indexDuty(p.c, [col]));
          }
        }
      }
      if (Date.now() - this.lastCleanupMs >= this.config.cleanupIntervalMs && Date.now() - t0 <= this.config.runBudgetMs) {
        this.lastCleanupMs = Date.now();
        report.duties.push(await this.duty({ duty: "cleanup", branch: null, table: null }, async (r) => {
          const out = await cleanupVersions(graph, { retentionMs: this.config.retentionMs, marginMs: this.config.cleanupMarginMs });
          r.versionsRemoved = out.lines.reduce((a, l) => a + l.versionsRemoved, 0);
          this.state.versionsRemoved += r.versionsRemoved;
          return r.versionsRemoved > 0 ? "done" : "noop";
        }));
      } else if (Date.now() - this.lastCleanupMs >= this.config.cleanupIntervalMs) {
        report.truncated = true;
      }
    } catch (e) {
      this.recordFailure(report, "maintenance run failed", e);
    } finally {
      report.durationMs = Date.now() - t0;
      this.state.running = false;
    }
    this.recordRun(report);
    return report;
  }

  private compactDuty(c: Candidate, fragmentsBefore: number, bytesBefore: number): Promise<DutyReport> {
    const graph = this.engine.graph;
    return this.duty({ duty: "compact", branch: c.branch, table: c.tableKey, fragmentsBefore, bytesBefore }, async (r) => {
      const out = await this.exclusive(c.branch, () => compactTable(graph, c.branch, c.tableKey));
      if (!out.committed) return "noop";
      this.state.compactions++;
      const after = await this.statsAt(c.branch, c.tableKey);
      if (after) {
        r.fragmentsAfter = after.fragmentStats.numFragments;
        r.bytesAfter = after.totalBytes;
      }
      return "done";
    });
  }

  /** Builds or rebuilds btree indexes on `columns` of one table (one maintenance commit). */
  private indexDuty(c: Candidate, columns: string[]): Promise<DutyReport> {
    const graph = this.engine.graph;
    return this.duty({ duty: "index", branch: c.branch, table: c.tableKey, column: columns.join(",") }, async () => {
      const out = await this.exclusive(c.branch, () => refreshIndexes(graph, c.branch, c.tableKey, columns));
      if (!out.committed) return "noop";
      this.state.indexBuilds++;
      return "done";
    });
  }

  private async duty(r: Omit<DutyReport, "ms" | "outcome">, fn: (r: DutyReport) => Promise<DutyReport["outcome"]>): Promise<DutyReport> {
    const t0 = Date.now();
    const out: DutyReport = { ...r, ms: 0, outcome: "done" };
    try {
      out.outcome = await fn(out);
    } catch (e) {
      // A conflict means a writer got there first: the next run looks again.
      const code = codeOf(e);
      out.outcome = code === "ERR_MANIFEST_CONFLICT" || code === "ERR_READ_SET_CONFLICT" ? "conflict" : "failed";
      out.code = code;
      if (out.outcome === "failed") {
        this.state.failures++;
        this.opts.warn?.(`maintenance ${r.duty} of ${r.table ?? "the graph"} failed`, e);
      }
    }
    out.ms = Date.now() - t0;
    return out;
  }

  private exclusive<T>(branch: string, fn: () => Promise<T>): Promise<T> {
    return this.opts.exclusive ? this.opts.exclusive(branch, fn) : fn();
  }

  private async statsAt(branch: string, tableKey: string) {
    const st = (await this.engine.graph.snapshot({ branch })).tableState(tableKey);
    return st ? (await this.engine.graph.tables.read(st)).stats() : undefined;
  }

  /**
   * Tables each live branch owns (inherited ones belong to the branch they came from:
   * maintaining them here would fork them), with the columns that deserve an index.
   */
  private async candidates(): Promise<Candidate[]> {
    const graph = this.engine.graph;
    const head = await graph.log.head();
    if (!head) return [];
    const out: Candidate[] = [];
    for (const branch of Object.keys(head.branches).sort((a, b) => (a === "main" ? -1 : b === "main" ? 1 : a < b ? -1 : 1))) {
      const snap = await graph.snapshot({ branch });
      const catalog = await this.engine.catalogOf(snap);
      for (const [tableKey, state] of Object.entries(snap.entry.state?.tables ?? {})) {
        if (state.owner !== snap.record.id) continue;
        out.push({ branch, tableKey, state, columns: indexedColumns(catalog, tableKey) });
      }
    }
    return out;
  }
}

/** Lance columns that get a btree: `id` of keyed node types, and single-property `@key` / `@index` columns. */
export function indexedColumns(catalog: Catalog, tableKey: string): string[] {
  const t = [...catalog.nodes, ...catalog.edges].find((x) => keyOf(x) === tableKey);
  if (!t) return [];
  const cols = new Set<string>();
  const lists = [...t.indexes, ...(t.kind === "node" && t.key.length ? [t.key] : [])];
  if (t.kind === "node" && t.key.length) cols.add("id");
  for (const list of lists) {
    if (list.length !== 1) continue;
    const p = t.properties.find((x) => x.name === list[0]);
    if (p && p.type.kind === "scalar") cols.add(p.id);
  }
  return [...cols];
}

function codeOf(e: unknown): string {
  if (isStoreError(e)) return e.code;
  const code = (e as { code?: unknown })?.code;
  return typeof code === "string" ? code : "ERR_INTERNAL";
}

/** The maintenance settings of the server config's `maintenance` section (`enabled` is the caller's). */
export function maintenanceConfigFrom(c: {
  interval_seconds: number; compact_min_fragments: number; retention_seconds: number; run_budget_seconds: number;
  after_commit?: { enabled: boolean; delay_ms: number; max_table_rows: number; unindexed_rows: number; compact_min_fragments: number; max_wait_ms: number } | undefined;
}): Partial<MaintenanceConfig> {
  const a = c.after_commit;
  return {
    intervalMs: c.interval_seconds * 1000, compactMinFragments: c.compact_min_fragments, retentionMs: c.retention_seconds * 1000, runBudgetMs: c.run_budget_seconds * 1000,
    ...(a ? { afterCommit: a.enabled, afterCommitDelayMs: a.delay_ms, afterCommitMaxRows: a.max_table_rows, afterCommitUnindexedRows: a.unindexed_rows, afterCommitCompactFragments: a.compact_min_fragments, afterCommitMaxWaitMs: a.max_wait_ms } : {}),
  };
}
