import test from "ava";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
// @ts-expect-error s3rver ships no types
import S3rver from "s3rver";
import { runCli } from "../support/cli.ts";
import { freshPrefix } from "../support/rgw.ts";
import { rgwSuite } from "../support/rgw-suite.ts";

test("doctor accepts a fresh fs directory (exit 0)", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "og-doctor-"));
  try {
    const r = await runCli(["doctor", "--store", `fs://${dir}`, "--json"]);
    t.is(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { ok: boolean; missing: string[] };
    t.true(report.ok);
    t.deepEqual(report.missing, []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("doctor refuses s3rver, which ignores conditional headers, and names what is missing", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "og-s3rver-"));
  const server = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory: dir, configureBuckets: [{ name: "doctor" }] });
  const { port } = (await server.run()) as { port: number };
  try {
    const url = `s3://doctor/probe?endpoint=http://127.0.0.1:${port}&region=us-east-1`;
    const r = await runCli(["doctor", "--store", url, "--json"], { AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "S3RVER" });
    t.is(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout) as { ok: boolean; missing: string[] };
    t.false(report.ok);
    t.true(report.missing.includes("create-only"), `missing: ${report.missing.join(",")}`);
    t.true(report.missing.includes("compare-and-swap"), `missing: ${report.missing.join(",")}`);
    const human = await runCli(["doctor", "--store", url], { AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "S3RVER" });
    t.is(human.code, 1);
    t.regex(human.stdout, /UNSAFE for writers — missing: create-only/);
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test("doctor rejects an unknown scheme with usage exit code 2", async (t) => {
  const r = await runCli(["doctor", "--store", "ftp://somewhere/x"]);
  t.is(r.code, 2);
});

rgwSuite(test, "doctor on RGW", (env) => {
  test("doctor accepts RGW (exit 0)", async (t) => {
    const prefix = freshPrefix("doctor").replace(/\/$/, "");
    const r = await runCli(["doctor", "--store", `s3://${env.bucket}/${prefix}?endpoint=${env.endpoint}&region=${env.region}`, "--json"], {
      AWS_ACCESS_KEY_ID: env.accessKeyId,
      AWS_SECRET_ACCESS_KEY: env.secretAccessKey,
    });
    t.is(r.code, 0, r.stdout + r.stderr);
    t.true((JSON.parse(r.stdout) as { ok: boolean }).ok);
  });
});
