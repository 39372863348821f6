import test from "ava";
import { randomBytes } from "node:crypto";
import { GcsStore } from "../../drivers/gcs.ts";
import { startGcsDouble, type GcsDouble } from "../support/gcs-double.ts";
import { conformance } from "./conformance.ts";
import { networkHarness } from "./network-harness.ts";

// No emulator here honours generation preconditions, so the gcs driver runs the
// conformance suite against the in-repo GCS JSON API double (test/support/gcs-double.ts),
// through the fault proxy, and — when GCS_TEST_BUCKET and credentials are set — live.
let double: GcsDouble | undefined;
test.before(async () => {
  double = await startGcsDouble();
});
test.after.always(async () => {
  await double?.close();
});

conformance(test, networkHarness("gcs→double", "gcs", () => double!.endpoint, (endpoint, requestTimeoutMs) =>
  new GcsStore({ bucket: "og-conformance", prefix: `t/${randomBytes(6).toString("hex")}`, apiEndpoint: endpoint, requestTimeoutMs })));

const liveBucket = process.env.GCS_TEST_BUCKET;
if (liveBucket) {
  // Live GCS (Application Default Credentials): the same cases, minus the fault cases,
  // which need a proxy between the SDK and the store.
  conformance(test, {
    name: "gcs→live",
    faultCases: false,
    async open(opts = {}) {
      const store = new GcsStore({ bucket: liveBucket, prefix: `og-conformance/${randomBytes(6).toString("hex")}`, requestTimeoutMs: opts.requestTimeoutMs });
      return { store, faults: { inject: () => {}, requests: () => 0 }, close: () => store.close() };
    },
  });
}
