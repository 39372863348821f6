// Where the real S3 server (Ceph RGW started by test/support/rgw.sh) is, as
// seen by tests. The shell script exports RGW_*; this module only reads them.
import { randomBytes } from "node:crypto";

/** Connection details of a running RGW, from the `RGW_*` variables written by `test/support/rgw.sh start`. */
export interface RgwEnv {
  /** S3 endpoint, e.g. `http://127.0.0.1:7480` (`RGW_ENDPOINT`). Use path-style addressing. */
  endpoint: string;
  /** Access key id of the test user (`RGW_ACCESS_KEY_ID`). */
  accessKeyId: string;
  /** Secret key of the test user (`RGW_SECRET_ACCESS_KEY`). */
  secretAccessKey: string;
  /** A bucket created for this RGW instance and shared by all tests (`RGW_BUCKET`); use {@link freshPrefix}. */
  bucket: string;
  /** Signing region (`RGW_REGION`, default `us-east-1`). */
  region: string;
}

/** How to get the variables, for messages. */
const START_HINT = 'start RGW with `eval "$(bash test/support/rgw.sh start)"` (stop: `bash test/support/rgw.sh stop "$RGW_DIR"`)';

const REQUIRED = {
  endpoint: "RGW_ENDPOINT",
  accessKeyId: "RGW_ACCESS_KEY_ID",
  secretAccessKey: "RGW_SECRET_ACCESS_KEY",
  bucket: "RGW_BUCKET",
} as const;

/**
 * Whether RGW is available to tests, and if not, why.
 *
 * @returns `{env}` when every required `RGW_*` variable is set, otherwise `{missing}`: a sentence naming the unset
 *   variables and how to start RGW.
 * @example
 * const rgw = rgwRequirement();
 * if ("missing" in rgw) console.log(rgw.missing);
 */
export function rgwRequirement(): { env: RgwEnv } | { missing: string } {
  const read = (name: string): string | undefined => {
    const value = process.env[name]?.trim();
    return value ? value : undefined;
  };
  const unset = Object.values(REQUIRED).filter((name) => read(name) === undefined);
  if (unset.length > 0) {
    return { missing: `RGW is not configured: ${unset.join(", ")} ${unset.length === 1 ? "is" : "are"} unset; ${START_HINT}.` };
  }
  return {
    env: {
      endpoint: read(REQUIRED.endpoint)!,
      accessKeyId: read(REQUIRED.accessKeyId)!,
      secretAccessKey: read(REQUIRED.secretAccessKey)!,
      bucket: read(REQUIRED.bucket)!,
      region: read("RGW_REGION") ?? "us-east-1",
    },
  };
}

/**
 * The running RGW's connection details, or `undefined` when the `RGW_*` variables are not all set.
 *
 * @example
 * const env = rgwEnv();
 * const s3 = env && new S3Client({endpoint: env.endpoint, region: env.region, forcePathStyle: true,
 *   credentials: {accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey}});
 */
export function rgwEnv(): RgwEnv | undefined {
  const requirement = rgwRequirement();
  return "env" in requirement ? requirement.env : undefined;
}

/**
 * True under CI (`CI=true`): suites that need RGW must then fail, not skip, when it is missing
 * (`.ci/run` starts RGW before `npm test`).
 */
export const rgwRequired: boolean = process.env.CI === "true";

/**
 * A key prefix no other test or run uses, so tests can share the one RGW bucket without colliding.
 *
 * @param label - names the test in the key; characters outside `[A-Za-z0-9._-]` become `-`.
 * @returns `t/<label>-<epoch ms>-<8 hex>/`, always ending in `/`.
 * @example
 * freshPrefix("s3 driver"); // "t/s3-driver-1764198000000-9f2c01ab/"
 */
export function freshPrefix(label: string): string {
  const safe = label.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "") || "test";
  return `t/${safe}-${Date.now()}-${randomBytes(4).toString("hex")}/`;
}
