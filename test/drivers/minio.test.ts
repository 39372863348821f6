import test from "ava";
import { MinioStore } from "../../drivers/minio.ts";
import { freshPrefix } from "../support/rgw.ts";
import { rgwSuite } from "../support/rgw-suite.ts";
import { conformance } from "./conformance.ts";
import { networkHarness } from "./network-harness.ts";

rgwSuite(test, "minio driver on RGW", (env) => {
  conformance(test, networkHarness("minio→RGW", "s3", () => env.endpoint, (endpoint, requestTimeoutMs) => {
    const u = new URL(endpoint);
    return new MinioStore({
      host: u.hostname,
      port: Number(u.port),
      useSSL: false,
      bucket: env.bucket,
      prefix: freshPrefix("minio").replace(/\/$/, ""),
      accessKey: env.accessKeyId,
      secretKey: env.secretAccessKey,
      region: env.region,
      requestTimeoutMs,
    });
  }));
});
