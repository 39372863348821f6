import { parseArgs } from "node:util";
import { isStorageError } from "../../drivers/errors.ts";
import { openStore } from "../../drivers/open.ts";
import { formatProbeReport, probeStore } from "../../drivers/probe.ts";

const HELP = `usage: omnigraph doctor --store <url> [--json]

Probes the store once under a temporary prefix: create-only writes, compare-and-swap,
If-Match on a missing key, list-after-write and delete. Exits 0 when the store is safe
for writers, 1 when a capability is missing (the report names it), 2 on bad usage.

  --store <url>   memory://name | fs:///abs/path | a plain path | s3://bucket/prefix?endpoint=…&region=…
                  | minio://host:port/bucket/prefix | gs://bucket/prefix
  --json          print the report as JSON`;

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { store: { type: "string" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } } }));
  } catch (e) {
    process.stderr.write(`omnigraph doctor: ${(e as Error).message}\n\n${HELP}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (!values.store) {
    process.stderr.write(`omnigraph doctor: --store is required\n\n${HELP}\n`);
    return 2;
  }
  let store;
  try {
    store = openStore(values.store, { retry: { maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 500 }, requestTimeoutMs: 10_000 });
  } catch (e) {
    process.stderr.write(`omnigraph doctor: ${(e as Error).message}\n`);
    return 2;
  }
  try {
    const report = await probeStore(store);
    process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatProbeReport(report)}\n`);
    return report.ok ? 0 : 1;
  } catch (e) {
    const code = isStorageError(e) ? e.code : "ERR_UNEXPECTED";
    process.stderr.write(`omnigraph doctor: could not probe ${store.description}: ${code}: ${(e as Error).message}\n`);
    return 1;
  } finally {
    await store.close();
  }
}
