/**
 * `omnigraph render` as a real process: golden renders of every example stack (checked
 * in under test/cli/render-golden/<stage>/, diffed file by file), schema-valid manifests
 * for airgapped, `--check` exit codes, and bad input refused with exit 2.
 * Regenerate the goldens after an intended change: OMNIGRAPH_UPDATE_GOLDENS=1 npx ava test/cli/render.test.ts
 */
import test from "ava";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { type Manifest, validateManifests } from "../../components/kubernetes/manifest.ts";
import { runCli } from "../support/cli.ts";
import { run as renderCli } from "../../server/cli/render.ts";
import { ROOT } from "../components/support.ts";

const STAGES = ["managed", "elastic", "byoc", "airgapped"] as const;
const GOLDEN = join(ROOT, "test/cli/render-golden");
const update = process.env.OMNIGRAPH_UPDATE_GOLDENS === "1";

/** The CLI module in this process (the same `run` main.ts dispatches to), output captured. */
async function inProcess(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = { stdout: "", stderr: "" };
  const [w1, w2] = [process.stdout.write.bind(process.stdout), process.stderr.write.bind(process.stderr)];
  process.stdout.write = ((c: string) => ((out.stdout += c), true)) as typeof process.stdout.write;
  process.stderr.write = ((c: string) => ((out.stderr += c), true)) as typeof process.stderr.write;
  try {
    return { code: await renderCli(argv), ...out };
  } finally {
    process.stdout.write = w1;
    process.stderr.write = w2;
  }
}

const rendered = new Map<string, { dir: string; code: number | null; stderr: string }>();
async function renderStage(stage: string, extra: string[] = []) {
  const key = `${stage} ${extra.join(" ")}`;
  if (!rendered.has(key)) {
    const dir = mkdtempSync(join(tmpdir(), `og-render-${stage}-`));
    const r = await inProcess(["--stage", stage, "--config", join(ROOT, `Pulumi.${stage}.yaml`), "--out", dir, ...extra]);
    rendered.set(key, { dir, code: r.code, stderr: r.stderr });
  }
  return rendered.get(key)!;
}

const files = (dir: string) => readdirSync(dir).sort();

for (const stage of STAGES) {
  test.serial(`${stage}: the render matches the checked-in golden files byte for byte`, async (t) => {
    const { dir, code, stderr } = await renderStage(stage, ["--check"]);
    t.is(code, 0, stderr);
    if (update) {
      rmSync(join(GOLDEN, stage), { recursive: true, force: true });
      cpSync(dir, join(GOLDEN, stage), { recursive: true });
    }
    t.deepEqual(files(dir), files(join(GOLDEN, stage)));
    for (const f of files(dir)) t.is(readFileSync(join(dir, f), "utf8"), readFileSync(join(GOLDEN, stage, f), "utf8"), `${stage}/${f} differs from the golden`);
  });
}

test.serial("airgapped, as a real process: `omnigraph render --stage airgapped --config Pulumi.airgapped.yaml --out <dir> --check` writes schema-valid manifests", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "og-render-process-"));
  const r = await runCli(["render", "--stage", "airgapped", "--config", join(ROOT, "Pulumi.airgapped.yaml"), "--out", dir, "--check"]);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(files(dir), files(join(GOLDEN, "airgapped")));
  const objects: Manifest[] = [];
  for (const f of files(dir).filter((x) => /^\d\d-.*\.yaml$/.test(x))) {
    for (const d of parseAllDocuments(readFileSync(join(dir, f), "utf8"))) objects.push(d.toJS() as Manifest);
  }
  t.true(objects.length > 20);
  t.deepEqual(validateManifests(objects), []);
  t.true(objects.some((o) => o.kind === "StatefulSet" && o.metadata?.name === "omnigraph-minio"));
  const k = readFileSync(join(dir, "kustomization.yaml"), "utf8");
  t.true(k.includes("minio-credentials.env"));
});

test("the validator the render test relies on does reject a broken object", (t) => {
  const broken = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "Bad_Name" }, spec: { selector: {}, template: { spec: { containers: [{ name: "c", image: "i", ports: [{ containerPort: 70000 }] }] } } } } as unknown as Manifest;
  t.true(validateManifests([broken]).length >= 2);
});

test.serial("render --check on a tampered render exits 1", async (t) => {
  const { dir } = await renderStage("managed");
  const copy = mkdtempSync(join(tmpdir(), "og-render-tampered-"));
  cpSync(dir, copy, { recursive: true });
  const sts = files(copy).find((f) => f.includes("statefulset-omnigraph-writer"))!;
  writeFileSync(join(copy, sts), readFileSync(join(copy, sts), "utf8").replace("replicas: 1", "replicas: 3"));
  const r = await inProcess(["--check", "--out", copy]);
  t.is(r.code, 1);
  t.regex(r.stdout, /^managed-single-writer\t/m);
});

test.serial("bad input exits 2: a stage that is not the config's, an invalid config, no --out", async (t) => {
  const out = mkdtempSync(join(tmpdir(), "og-render-bad-"));
  t.is((await inProcess(["--stage", "managed", "--config", join(ROOT, "Pulumi.airgapped.yaml"), "--out", out])).code, 2);
  const bad = join(out, "bad.yaml");
  writeFileSync(bad, readFileSync(join(ROOT, "Pulumi.managed.yaml"), "utf8").replace("omnigraph-cloud:writers: 1", "omnigraph-cloud:writers: 3"));
  const r = await inProcess(["--stage", "managed", "--config", bad, "--out", out]);
  t.is(r.code, 2);
  t.true(r.stderr.includes("ERR_KIT_CONFIG_INVALID"));
  t.is((await inProcess(["--stage", "managed", "--config", bad])).code, 2);
  t.false(files(out).includes("kustomization.yaml"), "nothing rendered from an invalid config");
});
