/**
 * `npm run image:mirror` against a real OCI registry (Debian's docker-registry,
 * the CNCF distribution server) on loopback: the archive is pushed, the digest is
 * preserved, and the manifest read back over the registry's HTTP API is the very
 * bytes that were built. Bad usage and an unreachable registry fail with their
 * own exit codes.
 */
import test from "ava";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { digestOf, missingImageTools, readImageBuild, REPO_ROOT } from "../support/oci-image.ts";

const run = promisify(execFile);
const MIRROR = join(REPO_ROOT, "image", "mirror.sh");
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

interface Registry {
  host: string;
  proc: ChildProcess;
  dir: string;
}

/** Starts docker-registry on 127.0.0.1 with its own config and a temp storage dir. */
async function startRegistry(): Promise<Registry> {
  const dir = await mkdtemp(join(tmpdir(), "og-registry-"));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const config = [
    "version: 0.1",
    "log: { level: warn, accesslog: { disabled: true } }",
    `storage: { filesystem: { rootdirectory: ${join(dir, "data")} }, delete: { enabled: true } }`,
    `http: { addr: "${host}" }`,
    "",
  ].join("\n");
  await writeFile(join(dir, "config.yml"), config);
  const proc = spawn("docker-registry", ["serve", join(dir, "config.yml")], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  proc.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`docker-registry exited ${proc.exitCode}: ${stderr}`);
    try {
      const r = await fetch(`http://${host}/v2/`);
      if (r.status === 200) return { host, proc, dir };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill("SIGKILL");
  throw new Error(`docker-registry did not answer on ${host} within 20 s: ${stderr}`);
}

async function stopRegistry(r: Registry): Promise<void> {
  if (r.proc.exitCode === null && r.proc.pid !== undefined) {
    const exited = new Promise((resolve) => r.proc.once("exit", resolve));
    r.proc.kill("SIGTERM");
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    if (r.proc.exitCode === null) r.proc.kill("SIGKILL");
  }
  await rm(r.dir, { recursive: true, force: true });
}

interface MirrorResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function mirror(args: string[]): Promise<MirrorResult> {
  try {
    const r = await run("bash", [MIRROR, ...args], { cwd: REPO_ROOT, timeout: 150_000, maxBuffer: 4 << 20 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === "number" ? err.code : -1, stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
  }
}

test.before(async () => {
  const missing = await missingImageTools();
  if (missing.length > 0) throw new Error(`missing ${missing.join(", ")}: run image/tools.sh install (npm run test:image does)`);
});

test.serial("mirror pushes the archive, keeps its digest, and the registry serves the same manifest", async (t) => {
  const build = readImageBuild();
  const reg = await startRegistry();
  t.teardown(() => stopRegistry(reg));

  const r = await mirror(["--registry", reg.host]);
  t.is(r.code, 0, r.stderr);
  const ref = `${reg.host}/${build.repository}@${build.digest}`;
  t.is(r.stdout.trim(), ref);

  // Read back over the distribution API, by digest and by tag.
  const byDigest = await fetch(`http://${reg.host}/v2/${build.repository}/manifests/${build.digest}`, { headers: { accept: OCI_MANIFEST } });
  t.is(byDigest.status, 200);
  t.is(byDigest.headers.get("docker-content-digest"), build.digest);
  t.is(digestOf(Buffer.from(await byDigest.arrayBuffer())), build.digest);
  const byTag = await fetch(`http://${reg.host}/v2/${build.repository}/manifests/${build.tag}`, { headers: { accept: OCI_MANIFEST } });
  t.is(byTag.status, 200);
  t.is(byTag.headers.get("docker-content-digest"), build.digest);

  // skopeo, as a puller would see it: the labels name this build's revision.
  const inspected = await run("skopeo", ["inspect", "--tls-verify=false", `docker://${ref}`], { maxBuffer: 1 << 20 });
  const info = JSON.parse(inspected.stdout) as { Digest: string; Labels: Record<string, string> };
  t.is(info.Digest, build.digest);
  t.is(info.Labels["org.opencontainers.image.revision"], build.revision);

  // Pushing again is idempotent and prints the same reference; --json gives the kit's fields.
  const again = await mirror(["--registry", reg.host, "--repository", "mirror/omnigraph", "--json"]);
  t.is(again.code, 0, again.stderr);
  const j = JSON.parse(again.stdout) as Record<string, string>;
  t.deepEqual(j, { registry: reg.host, repository: "mirror/omnigraph", tag: build.tag, digest: build.digest, reference: `${reg.host}/mirror/omnigraph@${build.digest}` });
});

test("mirror refuses bad usage with exit 2 and an unreachable registry with exit 1", async (t) => {
  t.is((await mirror([])).code, 2);
  t.is((await mirror(["--registry", "http://127.0.0.1:5000"])).code, 2);
  t.is((await mirror(["--registry", "127.0.0.1:5000", "--repository", "Bad/Name"])).code, 2);
  t.is((await mirror(["--registry", "127.0.0.1:5000", "--image-json", "/nonexistent/image.json"])).code, 2);
  t.is((await mirror(["--registry", "127.0.0.1:5000", "--bogus"])).code, 2);
  const closed = await freePort();
  const r = await mirror(["--registry", `127.0.0.1:${closed}`]);
  t.is(r.code, 1, r.stderr);
  t.is(r.stdout, "");
});
