/**
 * Prometheus metrics of the data plane (prom-client, one registry per process). The
 * names are ours (OmniGraph has no /metrics).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

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

  constructor(opts: { defaults?: boolean } = {}) {
    if (opts.defaults !== false) collectDefaultMetrics({ register: this.registry });
  }
}
