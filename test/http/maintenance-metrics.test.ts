// Maintenance is observable: a real `omnigraph serve` process with automatic
// maintenance on a short interval compacts a table that single-row commits filled with
// fragments, builds its @key indexes, and /metrics shows the runs, the duties by duty
// and outcome, the fragments before/after and the bytes rewritten — labelled by duty,
// never by graph id.
import test from "ava";
import { call, serve, tmpDir, writeConfig } from "./support.ts";

/** The value of one sample of the Prometheus text format, or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const m = /^([a-z_:]+)(\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries((m[3] ?? "").split(",").filter(Boolean).map((kv) => {
      const [k, v] = kv.split("=");
      return [k!, v!.replace(/^"|"$/g, "")];
    }));
    if (Object.entries(labels).every(([k, v]) => got[k] === v) && Object.keys(got).length === Object.keys(labels).length) return Number(m[4]);
  }
  return undefined;
}

test("/metrics of a serving process shows maintenance runs, duties, fragments and bytes after maintenance ran", async (t) => {
  const cfg = writeConfig([
    "version: 1",
    "auth: { unauthenticated: true }",
    "graphs:",
    "  social: { schema: ./social.pg }",
    // Frequent runs and a low compaction threshold, so that a few commits trigger one.
    "maintenance: { enabled: true, interval_seconds: 0.3, compact_min_fragments: 4 }",
    "",
  ].join("\n"), { "social.pg": "node Person { name: String @key  age: I32? }\n" });
  const s = await serve(t, ["--config", cfg, "--store", `fs://${tmpDir("og-mmetrics-")}`]);

  const before = (await call(s.url, "GET", "/metrics")).text;
  t.is(sample(before, "omnigraph_maintenance_duties_total", { duty: "compact", outcome: "done" }), undefined, "no compaction before any commit");

  for (let i = 0; i < 6; i++) {
    const r = await call(s.url, "POST", "/graphs/social/mutate", { body: { query: "query add($n: String) { insert Person { name: $n } }", params: { n: `p${i}` } } });
    t.is(r.status, 200, r.text);
  }

  let text = "";
  for (let i = 0; i < 200; i++) {
    text = (await call(s.url, "GET", "/metrics")).text;
    if ((sample(text, "omnigraph_maintenance_duties_total", { duty: "compact", outcome: "done" }) ?? 0) >= 1) break;
    await new Promise((r) => setTimeout(r, 150));
  }
  t.true((sample(text, "omnigraph_maintenance_duties_total", { duty: "compact", outcome: "done" }) ?? 0) >= 1, text);
  t.true((sample(text, "omnigraph_maintenance_duties_total", { duty: "index", outcome: "done" }) ?? 0) >= 1, "the @key index was built");
  t.true((sample(text, "omnigraph_maintenance_runs_total", { result: "ok" }) ?? 0) >= 1);
  t.true((sample(text, "omnigraph_maintenance_run_duration_seconds_count") ?? 0) >= 1);
  const fragsBefore = sample(text, "omnigraph_maintenance_fragments_total", { duty: "compact", phase: "before" }) ?? 0;
  const fragsAfter = sample(text, "omnigraph_maintenance_fragments_total", { duty: "compact", phase: "after" }) ?? Infinity;
  t.true(fragsBefore >= 4, `fragments before ${fragsBefore}`);
  t.true(fragsAfter < fragsBefore, `fragments after ${fragsAfter}`);
  t.true((sample(text, "omnigraph_maintenance_bytes_rewritten_total", { duty: "compact" }) ?? 0) > 0);
  const last = sample(text, "omnigraph_maintenance_last_run_timestamp_seconds") ?? 0;
  t.true(Math.abs(last - Date.now() / 1000) < 120, `last run ${last}`);
  t.true((sample(text, "omnigraph_maintenance_duty_last_timestamp_seconds", { duty: "compact" }) ?? 0) > 0);
  t.is(sample(text, "omnigraph_maintenance_failures_total", { duty: "compact" }), undefined, "no compaction failed");
  // Cardinality: no maintenance series names a graph.
  t.false(text.split("\n").some((l) => l.startsWith("omnigraph_maintenance") && /graph=|social/.test(l)));
  t.is(await s.stop(), 0);
});
