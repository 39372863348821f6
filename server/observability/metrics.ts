/**
 * Prometheus metrics of the data plane (prom-client, one registry per process). The
 * names are ours (OmniGraph has no /metrics).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * What the maintenance metrics read from one run (the shape of the runtime's
 * `RunReport`, restated here because observability is a leaf and imports no layer).
 */
export interface MaintenanceRunFacts {
  startedAt: string;
  durationMs: number;
  truncated: boolean;
  error?: { code: string } | undefined;
  duties: {
    duty: string;
    outcome: string;
    ms: number;
    fragmentsBefore?: number | undefined;
    fragmentsAfter?: number | undefined;
    bytesBefore?: number | undefined;
    bytesAfter?: number | undefined;
    versionsRemoved?: number | undefined;
  }[];
}

const DUTY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80];

export class ServerMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({ name: "omnigraph_http_requests_total", help: "HTTP requests by route and status", labelNames: ["route", "method", "status"], registers: [this.registry] });
  readonly latency = new Histogram({
    name: "omnigraph_http_request_duration_seconds", help: "HTTP request latency by route", labelNames: ["route", "method"],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [this.registry],
  });
  readonly commits = new Counter({ name: "omnigraph_commits_total", help: "Commits published, by kind of write", labelNames: ["kind"], registers: [this.registry] });
  readonly conflicts = new Counter({ name: "omnigraph_conflicts_total", help: "Writes refused by a conflict, by error code", labelNames: ["code"], registers: [this.registry] });
  readonly recoveries = new Counter({ name: "omnigraph_recoveries_total", help: "Open-time recovery sweeps, by outcome", labelNames: ["outcome"], registers: [this.registry] });
  readonly quarantined = new Gauge({ name: "omnigraph_quarantined_graphs", help: "Graphs quarantined because open-time recovery failed", registers: [this.registry] });
  readonly openHandles = new Gauge({ name: "omnigraph_open_graph_handles", help: "Open graph handles in the cache", registers: [this.registry] });
  readonly storeRequests = new Counter({ name: "omnigraph_store_requests_total", help: "Object-store requests made by the server (not Lance), by kind", labelNames: ["kind"], registers: [this.registry] });

  // Maintenance (server/runtime/maintenance.ts), summed over every open graph of the
  // process. Labels are the duty (compact | index | cleanup) and its outcome (done |
  // noop | conflict | failed) — both closed sets. Deliberately NOT the graph id: graphs
  // come and go with tenants and handle eviction, and every label value prom-client
  // has seen is a series kept until the process exits. A graph's own last report is in
  // its handle's `maintenance.status()`.
  readonly maintenanceRuns = new Counter({ name: "omnigraph_maintenance_runs_total", help: "Maintenance runs finished, by result (ok, truncated by the run budget, failed)", labelNames: ["result"], registers: [this.registry] });
  readonly maintenanceRunDuration = new Histogram({ name: "omnigraph_maintenance_run_duration_seconds", help: "Duration of one maintenance run of one graph", buckets: DUTY_BUCKETS, registers: [this.registry] });
  readonly maintenanceLastRun = new Gauge({ name: "omnigraph_maintenance_last_run_timestamp_seconds", help: "Unix time at which the latest maintenance run (of any graph) started", registers: [this.registry] });
  readonly maintenanceDuties = new Counter({ name: "omnigraph_maintenance_duties_total", help: "Maintenance duties run, by duty and outcome", labelNames: ["duty", "outcome"], registers: [this.registry] });
  readonly maintenanceDutyFailures = new Counter({ name: "omnigraph_maintenance_failures_total", help: "Maintenance failures, by duty ('run' = the run itself, e.g. reading the head)", labelNames: ["duty"], registers: [this.registry] });
  readonly maintenanceDutyDuration = new Histogram({ name: "omnigraph_maintenance_duty_duration_seconds", help: "Duration of one maintenance duty", labelNames: ["duty"], buckets: DUTY_BUCKETS, registers: [this.registry] });
  readonly maintenanceDutyLast = new Gauge({ name: "omnigraph_maintenance_duty_last_timestamp_seconds", help: "Unix time at which a duty last finished (any outcome)", labelNames: ["duty"], registers: [this.registry] });
  readonly maintenanceBytesRewritten = new Counter({ name: "omnigraph_maintenance_bytes_rewritten_total", help: "Table bytes written by maintenance (the table's size after a compaction)", labelNames: ["duty"], registers: [this.registry] });
  readonly maintenanceFragments = new Counter({ name: "omnigraph_maintenance_fragments_total", help: "Lance fragments of compacted tables before and after compaction (their ratio is the reduction)", labelNames: ["duty", "phase"], registers: [this.registry] });
  readonly maintenanceLastFragments = new Gauge({ name: "omnigraph_maintenance_last_fragments", help: "Fragments of the table the latest compaction touched, before and after", labelNames: ["phase"], registers: [this.registry] });
  readonly maintenanceVersionsRemoved = new Counter({ name: "omnigraph_maintenance_versions_removed_total", help: "Old Lance versions removed by the cleanup duty", registers: [this.registry] });

  /** Folds one maintenance run into the metrics above. */
  recordMaintenanceRun(r: MaintenanceRunFacts): void {
    const started = Date.parse(r.startedAt);
    if (Number.isFinite(started)) this.maintenanceLastRun.set(started / 1000);
    this.maintenanceRuns.inc({ result: r.error ? "failed" : r.truncated ? "truncated" : "ok" });
    this.maintenanceRunDuration.observe(r.durationMs / 1000);
    if (r.error) this.maintenanceDutyFailures.inc({ duty: "run" });
    const finishedAt = (Number.isFinite(started) ? started + r.durationMs : Date.now()) / 1000;
    for (const d of r.duties) {
      this.maintenanceDuties.inc({ duty: d.duty, outcome: d.outcome });
      this.maintenanceDutyDuration.observe({ duty: d.duty }, d.ms / 1000);
      this.maintenanceDutyLast.set({ duty: d.duty }, finishedAt);
      if (d.outcome === "failed") this.maintenanceDutyFailures.inc({ duty: d.duty });
      if (d.outcome === "done" && d.bytesAfter !== undefined) this.maintenanceBytesRewritten.inc({ duty: d.duty }, d.bytesAfter);
      if (d.outcome === "done" && d.fragmentsBefore !== undefined && d.fragmentsAfter !== undefined) {
        this.maintenanceFragments.inc({ duty: d.duty, phase: "before" }, d.fragmentsBefore);
        this.maintenanceFragments.inc({ duty: d.duty, phase: "after" }, d.fragmentsAfter);
        this.maintenanceLastFragments.set({ phase: "before" }, d.fragmentsBefore);
        this.maintenanceLastFragments.set({ phase: "after" }, d.fragmentsAfter);
      }
      if (d.versionsRemoved) this.maintenanceVersionsRemoved.inc(d.versionsRemoved);
    }
  }

  constructor(opts: { defaults?: boolean } = {}) {
    if (opts.defaults !== false) collectDefaultMetrics({ register: this.registry });
  }
}
