import test from "ava";
import { S3Store } from "../../drivers/s3.ts";
import { freshPrefix } from "../support/rgw.ts";
import { rgwSuite } from "../support/rgw-suite.ts";
import { conformance } from "./conformance.ts";
import { networkHarness } from "./network-harness.ts";

rgwSuite(test, "s3 driver on RGW", (env) => {
  conformance(test, networkHarness("s3→RGW", "s3", () => env.endpoint, (endpoint, requestTimeoutMs) =>
    new S3Store({
      bucket: env.bucket,
      prefix: freshPrefix("s3").replace(/\/$/, ""),
      endpoint,
      region: env.region,
      credentials: { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey },
      requestTimeoutMs,
    })));
});
