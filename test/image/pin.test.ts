/**
 * Digest consumption by the deployment kit: `npm run image:pin` writes the digest
 * from dist/image.json into a stack config (Pulumi.<stage>.yaml), and
 * `omnigraph render --check` then references that one digest for every data-plane
 * role, with the kit's guard rules (among them "one image digest for all roles")
 * passing on what it rendered.
 */
import test from "ava";
import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse } from "yaml";
import { readImageBuild, REPO_ROOT } from "../support/oci-image.ts";

const run = promisify(execFile);

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

async function node(args: string[]): Promise<Ran> {
  try {
    const r = await run(process.execPath, args, { cwd: REPO_ROOT, timeout: 120_000, maxBuffer: 8 << 20 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === "number" ? err.code : -1, stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
  }
}

/** Every `image:` of every container in the rendered manifests. */
function renderedImages(dir: string): string[] {
  const images: string[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith(".yaml")).sort()) {
    for (const m of readFileSync(join(dir, f), "utf8").matchAll(/^\s+image:\s*(\S+)\s*$/gm)) images.push(m[1]!);
  }
  return images;
}

for (const { stage, registry, expectRegistry } of [
  { stage: "airgapped", registry: "registry.site.internal:5000", expectRegistry: "registry.site.internal:5000" },
  { stage: "managed", registry: "127.0.0.1:5000", expectRegistry: "127.0.0.1:5000" },
]) {
  test(`image:pin + render --check (${stage}): every data-plane role runs the built digest`, async (t) => {
    const build = readImageBuild();
    const dir = mkdtempSync(join(tmpdir(), `og-pin-${stage}-`));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const stack = join(dir, `Pulumi.${stage}.yaml`);
    copyFileSync(join(REPO_ROOT, `Pulumi.${stage}.yaml`), stack);
    // The stack's relative paths (the policy bundle, declared graph schemas) resolve against its directory.
    symlinkSync(join(REPO_ROOT, "policies"), join(dir, "policies"));
    symlinkSync(join(REPO_ROOT, "docs"), join(dir, "docs"));
    const before = readFileSync(stack, "utf8");

    const pin = await node(["image/pin.mjs", "--stack", stack, "--registry", registry]);
    t.is(pin.code, 0, pin.stderr);
    t.is(pin.stdout.trim(), `${registry}/${build.repository}@${build.digest}`);
    const after = readFileSync(stack, "utf8");
    const cfg = (parse(after) as { config: Record<string, unknown> }).config;
    t.deepEqual(cfg["omnigraph-cloud:image"], { registry, repository: build.repository, digest: build.digest });
    // Only the image block changed: the file's comments and other keys are kept.
    t.is(after.split("\n")[0], before.split("\n")[0]);
    t.deepEqual(Object.keys(cfg), Object.keys((parse(before) as { config: Record<string, unknown> }).config));

    const out = join(dir, "rendered");
    const r = await node(["bin/omnigraph.js", "render", "--stage", stage, "--config", stack, "--out", out, "--check"]);
    t.is(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const ours = renderedImages(out).filter((i) => i.includes(`/${build.repository}`));
    t.true(ours.length >= 2, `expected the reader and writer (at least) to run the image; got ${ours.join(", ")}`);
    t.deepEqual([...new Set(ours)], [`${expectRegistry}/${build.repository}@${build.digest}`]);
  });
}

test("image:pin refuses bad input with exit 2 and leaves the file alone", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "og-pin-bad-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const stack = join(dir, "Pulumi.airgapped.yaml");
  copyFileSync(join(REPO_ROOT, "Pulumi.airgapped.yaml"), stack);
  const before = readFileSync(stack, "utf8");
  t.is((await node(["image/pin.mjs"])).code, 2);
  t.is((await node(["image/pin.mjs", "--stack", stack, "--registry", "https://r.example/x"])).code, 2);
  t.is((await node(["image/pin.mjs", "--stack", stack, "--image-json", join(dir, "missing.json")])).code, 2);
  t.is((await node(["image/pin.mjs", "--stack", join(dir, "missing.yaml")])).code, 2);
  t.is(readFileSync(stack, "utf8"), before);
});
