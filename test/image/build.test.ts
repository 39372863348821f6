/**
 * What `npm run image` produced: dist/image.json is valid and names the archive's
 * real digest; the image config carries the conventions the deployment kit and
 * operators rely on (OmniGraph's: user, workdir, port, bind address; ours: tini
 * as PID 1, volumes for a read-only root, OCI labels from this commit, pinned
 * times).
 */
import test from "ava";
import { execFile } from "node:child_process";
import { statSync } from "node:fs";
import { promisify } from "node:util";
import { digestOf, missingImageTools, OciConfigSchema, readImageBuild, REPO_ROOT } from "../support/oci-image.ts";

const run = promisify(execFile);

test.before(async () => {
  const missing = await missingImageTools();
  if (missing.length > 0) throw new Error(`missing ${missing.join(", ")}: run image/tools.sh install (npm run test:image does)`);
});

test("image.json names this commit and the archive's own manifest digest", async (t) => {
  const build = readImageBuild();
  const head = (await run("git", ["rev-parse", "HEAD"], { cwd: REPO_ROOT })).stdout.trim();
  t.is(build.revision.replace(/-dirty$/, ""), head, "dist/image.json is from another commit: rebuild with npm run image");
  t.is(statSync(build.archivePath).size, build.archive_bytes);
  const raw = await run("skopeo", ["inspect", "--raw", `oci-archive:${build.archivePath}`], { encoding: "buffer", maxBuffer: 1 << 20 });
  t.is(digestOf(raw.stdout), build.digest);
  t.true(build.tag.startsWith(`${build.version}-${head.slice(0, 12)}`), build.tag);
});

test("the image config: non-root user, workdir, port, bind address, volumes, tini entrypoint, serve by default", async (t) => {
  const build = readImageBuild();
  const out = await run("skopeo", ["inspect", "--config", `oci-archive:${build.archivePath}`], { maxBuffer: 1 << 20 });
  const cfg = OciConfigSchema.parse(JSON.parse(out.stdout));
  t.is(cfg.architecture, "amd64");
  t.is(cfg.os, "linux");
  const c = cfg.config;
  t.is(c.User, "10001:10001");
  t.is(c.WorkingDir, "/var/lib/omnigraph");
  t.deepEqual(Object.keys(c.ExposedPorts ?? {}), ["8080/tcp"]);
  t.true(c.Env.includes("OMNIGRAPH_BIND=0.0.0.0:8080"), c.Env.join(" "));
  t.true(c.Env.includes("NODE_ENV=production"));
  t.true(c.Env.includes("OMNIGRAPH_STORE=fs:///var/lib/omnigraph/data"), c.Env.join(" "));
  t.deepEqual(Object.keys(c.Volumes ?? {}).sort(), ["/tmp", "/var/lib/omnigraph"]);
  t.deepEqual(c.Entrypoint, ["/usr/bin/tini", "--", "omnigraph"]);
  t.deepEqual(c.Cmd, ["serve"]);
  t.is(c.StopSignal, "SIGTERM");
});

test("OCI labels carry source, version and this revision; times are pinned, the commit time is a label", async (t) => {
  const build = readImageBuild();
  const out = await run("skopeo", ["inspect", "--config", `oci-archive:${build.archivePath}`], { maxBuffer: 1 << 20 });
  const cfg = OciConfigSchema.parse(JSON.parse(out.stdout));
  const labels = cfg.config.Labels ?? {};
  t.is(labels["org.opencontainers.image.revision"], build.revision);
  t.is(labels["org.opencontainers.image.version"], build.version);
  t.is(labels["org.opencontainers.image.created"], build.created);
  t.regex(labels["org.opencontainers.image.source"] ?? "", /^https:\/\//);
  // Every layer and the config are stamped with the epoch, so a cached layer and
  // a freshly built one are the same bytes (docs/deploy/image.md, "Reproducibility").
  t.is(cfg.created, "1970-01-01T00:00:00Z");
  const commitTime = (await run("git", ["log", "-1", "--format=%ct", "HEAD"], { cwd: REPO_ROOT })).stdout.trim();
  t.is(build.commit_epoch, Number(commitTime));
});
