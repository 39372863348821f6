/**
 * Test support for the data-plane image: read `dist/image.json`, unpack the OCI
 * archive with umoci, and run a process from the unpacked root filesystem the
 * way a container runtime would — without one (there is no Docker engine here,
 * and buildah's chroot isolation cannot make a read-only root or a PID
 * namespace). The runner uses `unshare` (util-linux) and `chroot` as root:
 *
 *   - new mount and PID namespaces, so the image's ENTRYPOINT (tini) is PID 1;
 *   - the root filesystem bind-mounted read-only (Kubernetes
 *     readOnlyRootFilesystem), with the image's declared VOLUMEs writable:
 *     /var/lib/omnigraph bound to a host directory, /tmp a fresh tmpfs;
 *   - /proc, and /dev with only null, zero, full, random, urandom;
 *   - the image config's user, working directory and environment, nothing
 *     from the host's environment;
 *   - the host's network namespace (like `--network host`), so a server bound
 *     to 127.0.0.1 is reachable from the test.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { z } from "zod";

const run = promisify(execFile);

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const IMAGE_JSON = join(REPO_ROOT, "dist", "image.json");

/** The build output that `npm run image` writes and the deployment kit reads. */
export const ImageBuildSchema = z
  .object({
    schema: z.literal("omnigraph.image/v1"),
    repository: z.string().regex(/^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/),
    tag: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/),
    digest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
    revision: z.string().regex(/^[0-9a-f]{40}(-dirty)?$/),
    version: z.string().min(1),
    created: z.string().datetime(),
    commit_epoch: z.number().int().nonnegative(),
    platform: z.literal("linux/amd64"),
    archive: z.string().min(1),
    archive_bytes: z.number().int().positive(),
    node_version: z.string().regex(/^v20\./),
    build_bases: z.object({ base_image: z.string(), node_image: z.string() }),
  })
  .strict();
export type ImageBuild = z.infer<typeof ImageBuildSchema> & { archivePath: string };

/** Reads and validates dist/image.json; `archivePath` is the archive's absolute path. */
export function readImageBuild(path = IMAGE_JSON): ImageBuild {
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run image\` (or \`npm run test:image\`, which builds when needed)`);
  const parsed = ImageBuildSchema.parse(JSON.parse(readFileSync(path, "utf8")));
  return { ...parsed, archivePath: resolve(dirname(path), parsed.archive) };
}

/** The debian packages whose commands these tests run; under CI they must be there. */
export const IMAGE_TOOLS = ["buildah", "umoci", "skopeo", "mmdebstrap", "docker-registry", "unshare", "chroot"] as const;

/** Names the tools that are not on PATH. */
export async function missingImageTools(): Promise<string[]> {
  const missing: string[] = [];
  for (const tool of IMAGE_TOOLS) {
    try {
      await run("sh", ["-c", `command -v ${tool}`]);
    } catch {
      missing.push(tool);
    }
  }
  return missing;
}

/** The parts of an OCI image config these tests read. */
export const OciConfigSchema = z.object({
  architecture: z.string(),
  os: z.string(),
  created: z.string().optional(),
  config: z.object({
    User: z.string().optional(),
    Env: z.array(z.string()).default([]),
    Entrypoint: z.array(z.string()).nullable().optional(),
    Cmd: z.array(z.string()).nullable().optional(),
    WorkingDir: z.string().optional(),
    ExposedPorts: z.record(z.string(), z.object({})).optional(),
    Volumes: z.record(z.string(), z.object({})).optional(),
    Labels: z.record(z.string(), z.string()).optional(),
    StopSignal: z.string().optional(),
  }),
  rootfs: z.object({ type: z.literal("layers"), diff_ids: z.array(z.string()) }),
  history: z.array(z.object({ created_by: z.string().optional(), empty_layer: z.boolean().optional() })).optional(),
});
export type OciConfig = z.infer<typeof OciConfigSchema>;

const DescriptorSchema = z.object({ mediaType: z.string(), digest: z.string(), size: z.number(), annotations: z.record(z.string(), z.string()).optional() });
const ManifestSchema = z.object({ schemaVersion: z.literal(2), mediaType: z.string(), config: DescriptorSchema, layers: z.array(DescriptorSchema) });
export type OciManifest = z.infer<typeof ManifestSchema>;

export interface UnpackedImage {
  /** The OCI image layout the archive was extracted to. */
  layout: string;
  /** The root filesystem (umoci's bundle/rootfs). */
  rootfs: string;
  manifestBytes: Buffer;
  manifest: OciManifest;
  config: OciConfig;
}

function blobPath(layout: string, digest: string): string {
  const [alg, hex] = digest.split(":");
  return join(layout, "blobs", alg ?? "", hex ?? "");
}

/** Extracts the OCI archive to `<dir>/layout` and unpacks the tagged image's root filesystem with umoci. */
export async function unpackImage(build: ImageBuild, dir: string): Promise<UnpackedImage> {
  const layout = join(dir, "layout");
  const bundle = join(dir, "bundle");
  await mkdir(layout, { recursive: true });
  await run("tar", ["-xf", build.archivePath, "-C", layout]);
  const index = z
    .object({ manifests: z.array(DescriptorSchema) })
    .parse(JSON.parse(await readFile(join(layout, "index.json"), "utf8")));
  const entry = index.manifests.find((m) => m.annotations?.["org.opencontainers.image.ref.name"] === build.tag);
  if (!entry) throw new Error(`no manifest tagged ${build.tag} in ${build.archivePath}`);
  const manifestBytes = await readFile(blobPath(layout, entry.digest));
  const manifest = ManifestSchema.parse(JSON.parse(manifestBytes.toString("utf8")));
  const config = OciConfigSchema.parse(JSON.parse(await readFile(blobPath(layout, manifest.config.digest), "utf8")));
  await run("umoci", ["unpack", "--image", `${layout}:${build.tag}`, bundle], { maxBuffer: 16 * 1024 * 1024 });
  return { layout, rootfs: join(bundle, "rootfs"), manifestBytes, manifest, config };
}

/** sha256 of bytes as an OCI digest string. */
export function digestOf(bytes: Buffer): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

export interface RunInImageOptions {
  /** Replaces the image's CMD (the ENTRYPOINT, tini + omnigraph, stays). */
  cmd?: string[];
  /** Replaces the ENTRYPOINT too (then `cmd` is the whole command). */
  entrypoint?: string[];
  /** Host directory mounted at /var/lib/omnigraph (the data VOLUME). */
  dataDir: string;
  /** Added to (or overriding) the image's ENV. */
  env?: Record<string, string>;
}

// Runs inside the new mount+PID namespace (as PID 1 until it execs), on the host's
// /bin/sh: makes the container's mounts, then execs the image's own process.
const CONTAINER_SCRIPT = String.raw`set -eu
root="$1"; data="$2"; user="$3"; workdir="$4"; shift 4
mount --make-rprivate /
mount --bind "$root" "$root"
mount -o remount,bind,ro "$root"
mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs "$root/tmp"
mount -t tmpfs -o nosuid,mode=0755 tmpfs "$root/dev"
for n in null zero full random urandom; do : > "$root/dev/$n"; mount --bind "/dev/$n" "$root/dev/$n"; done
mount --bind "$data" "$root/var/lib/omnigraph"
exec chroot --userspec="$user" "$root" /usr/bin/env -i -C "$workdir" "$@"
`;

/** Starts the image's process from the unpacked root filesystem; see the module comment. */
export function runInImage(img: UnpackedImage, opts: RunInImageOptions): ChildProcess {
  const c = img.config.config;
  const entrypoint = opts.entrypoint ?? c.Entrypoint ?? [];
  const cmd = opts.cmd ?? c.Cmd ?? [];
  const env = new Map<string, string>();
  for (const kv of c.Env) {
    const i = kv.indexOf("=");
    env.set(kv.slice(0, i), kv.slice(i + 1));
  }
  for (const [k, v] of Object.entries(opts.env ?? {})) env.set(k, v);
  const user = c.User ?? "0:0";
  const argv = [...[...env].map(([k, v]) => `${k}=${v}`), ...entrypoint, ...cmd];
  return spawn(
    "unshare",
    ["--mount", "--pid", "--fork", "--kill-child=SIGKILL", "--", "/bin/sh", "-c", CONTAINER_SCRIPT, "container", img.rootfs, opts.dataDir, user, c.WorkingDir ?? "/", ...argv],
    { stdio: ["ignore", "pipe", "pipe"], env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" } },
  );
}

export interface InImageResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a process in the image to completion and collects its output. */
export function execInImage(img: UnpackedImage, opts: RunInImageOptions, timeoutMs = 60_000): Promise<InImageResult> {
  return new Promise((resolvePromise, reject) => {
    const child = runInImage(img, opts);
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
}

/**
 * The host pid of the namespace's PID 1 (the image's ENTRYPOINT) under an
 * `unshare --fork` started by runInImage: signals sent to it are what a runtime's
 * `stop` sends.
 */
export async function containerInitPid(child: ChildProcess, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  const pid = child.pid;
  if (pid === undefined) throw new Error("the container process has no pid");
  while (Date.now() < deadline) {
    try {
      const kids = (await readFile(`/proc/${pid}/task/${pid}/children`, "utf8")).trim();
      const first = kids.split(/\s+/)[0];
      if (first) {
        const comm = (await readFile(`/proc/${first}/comm`, "utf8")).trim();
        if (comm === "tini") return Number(first);
      }
    } catch {
      // not there yet (or already gone): retry until the deadline
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no tini under unshare pid ${pid} within ${timeoutMs} ms`);
}
