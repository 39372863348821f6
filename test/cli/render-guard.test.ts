/**
 * Each guard rule with a passing and a failing fixture, run by BOTH runners — the
 * CrossGuard policy pack (its stack policies over Pulumi-shaped resources) and
 * `omnigraph render --check` (the CLI module over a rendered directory) — which must agree.
 */
import test from "ava";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PolicyResource, StackValidationArgs } from "@pulumi/policy";
import { guardPolicies } from "../../policies/guard/pack.ts";
import { GUARD_RULES, runGuardRules } from "../../policies/guard/rules.ts";
import { subjectFromRenderedDir } from "../../policies/guard/rendered.ts";
import { run as renderCli } from "../../server/cli/render.ts";
import { planDeployment, type DeploymentPlan } from "../../stacks/plan.ts";
import { renderDeployment } from "../../stacks/render.ts";
import { ROOT, stackWith } from "../components/support.ts";

type Obj = Record<string, any>;
interface Fixture { stage: "managed" | "elastic" | "byoc" | "airgapped"; mutate?: (f: { manifests: Obj[]; cloud: Obj[] }) => void }

const plans = new Map<string, DeploymentPlan>();
const planOf = (stage: Fixture["stage"]) => {
  if (!plans.has(stage)) plans.set(stage, planDeployment(stackWith(stage), { projectDir: ROOT }));
  return plans.get(stage)!;
};
const find = (ms: Obj[], kind: string, name: string) => {
  const m = ms.find((x) => x.kind === kind && x.metadata?.name === name);
  if (!m) throw new Error(`fixture: no ${kind}/${name}`);
  return m;
};
const container = (ms: Obj[], kind: string, name: string) => find(ms, kind, name).spec.template.spec.containers[0];
const OTHER_DIGEST = `sha256:${"e".repeat(64)}`;

const FIXTURES: Record<string, { pass: Fixture; fail: Fixture }> = {
  "readers-run-reader-role": {
    pass: { stage: "airgapped" },
    fail: { stage: "airgapped", mutate: ({ manifests }) => {
      const cm = find(manifests, "ConfigMap", "omnigraph-reader-config");
      cm.data["config.yaml"] = cm.data["config.yaml"].replace("role: reader", "role: writer");
    } },
  },
  "managed-single-writer": {
    pass: { stage: "managed" },
    fail: { stage: "managed", mutate: ({ manifests }) => { find(manifests, "StatefulSet", "omnigraph-writer").spec.replicas = 2; } },
  },
  "one-image-digest": {
    pass: { stage: "elastic" },
    fail: { stage: "elastic", mutate: ({ manifests }) => {
      const c = container(manifests, "Deployment", "omnigraph-worker");
      c.image = c.image.replace(/sha256:[a-f0-9]{64}/, OTHER_DIGEST);
    } },
  },
  "no-control-plane-on-request-path": {
    pass: { stage: "byoc" },
    fail: { stage: "byoc", mutate: ({ manifests }) => {
      container(manifests, "StatefulSet", "omnigraph-writer").env.push({ name: "TENANT_DIRECTORY_URL", value: "https://control.omnigraph.example.com/v1/tenants" });
    } },
  },
  "buckets-private-encrypted-versioned": {
    pass: { stage: "managed" },
    fail: { stage: "managed", mutate: (f) => { f.cloud = f.cloud.filter((r) => r.type !== "aws:s3/bucketVersioning:BucketVersioning"); } },
  },
  "workload-hygiene": {
    pass: { stage: "airgapped" },
    fail: { stage: "airgapped", mutate: (f) => {
      f.manifests = f.manifests.filter((m) => !(m.kind === "PodDisruptionBudget" && m.metadata.name === "omnigraph-reader"));
      delete container(f.manifests, "StatefulSet", "omnigraph-writer").readinessProbe;
    } },
  },
  "no-latest-tag": {
    pass: { stage: "airgapped" },
    fail: { stage: "airgapped", mutate: ({ manifests }) => {
      const c = container(manifests, "StatefulSet", "omnigraph-minio");
      c.image = c.image.replace(/:RELEASE[^/]*$/, ":latest");
    } },
  },
};

/** A second failing fixture for rules with two distinct failure modes. */
const EXTRA_FAILS: [string, Fixture][] = [
  ["buckets-private-encrypted-versioned", { stage: "airgapped", mutate: ({ manifests }) => {
    container(manifests, "Job", "omnigraph-minio-bootstrap").env.find((e: Obj) => e.name === "BUCKET_ANONYMOUS").value = "download";
  } }],
  ["managed-single-writer", { stage: "managed", mutate: ({ manifests }) => {
    manifests.push({ apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: { name: "omnigraph-writer", namespace: "omnigraph", labels: { "omnigraph.dev/stage": "managed" } },
      spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "StatefulSet", name: "omnigraph-writer" }, minReplicas: 1, maxReplicas: 3 } });
  } }],
];

function build(fx: Fixture): { manifests: Obj[]; cloud: Obj[]; plan: DeploymentPlan } {
  const plan = planOf(fx.stage);
  const f = { manifests: structuredClone(plan.manifests) as Obj[], cloud: structuredClone(plan.cloud) as Obj[] };
  fx.mutate?.(f);
  return { ...f, plan };
}

/** Runner 1: the CrossGuard pack's stack policy for `rule`, over Pulumi-shaped resources. */
async function viaPack(rule: string, fx: Fixture): Promise<string[]> {
  const { manifests, cloud } = build(fx);
  const resources = [
    ...manifests.map((m) => ({ type: `kubernetes:${m.apiVersion}:${m.kind}`, props: m, urn: `urn:pulumi:${fx.stage}::omnigraph-cloud::kubernetes:${m.apiVersion}:${m.kind}::${m.kind.toLowerCase()}-${m.metadata.name}`, name: m.metadata.name })),
    ...cloud.map((r) => ({ type: r.type, props: r.args, urn: `urn:pulumi:${fx.stage}::omnigraph-cloud::${r.type}::${r.name}`, name: r.name })),
  ] as unknown as PolicyResource[];
  const policy = guardPolicies.find((p) => p.name === rule)!;
  const violations: string[] = [];
  await policy.validateStack({ resources, stackTags: new Map(), getConfig: () => ({}) } as unknown as StackValidationArgs, (message) => violations.push(message));
  return violations;
}

/** Runner 2: `omnigraph render --check` over the fixture written as a rendered directory. */
async function viaRenderCheck(rule: string, fx: Fixture): Promise<{ exit: number; findings: string[] }> {
  const { manifests, cloud, plan } = build(fx);
  const dir = mkdtempSync(join(tmpdir(), "og-guard-"));
  for (const [name, content] of renderDeployment({ ...plan, manifests: manifests as never, cloud: cloud as never })) writeFileSync(join(dir, name), content);
  const write = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = () => true;
  process.stderr.write = () => true;
  let exit: number;
  try {
    exit = await renderCli(["--check", "--out", dir]);
  } finally {
    process.stdout.write = write;
    process.stderr.write = err;
  }
  const findings = runGuardRules(subjectFromRenderedDir(dir)).filter((f) => f.rule === rule).map((f) => `${f.object}: ${f.message}`);
  return { exit, findings };
}

test("every guard rule has fixtures", (t) => {
  t.deepEqual(Object.keys(FIXTURES).sort(), GUARD_RULES.map((r) => r.id).sort());
});

for (const [rule, { pass, fail }] of Object.entries(FIXTURES)) {
  test.serial(`${rule}: the passing fixture passes in both runners`, async (t) => {
    const pack = await viaPack(rule, pass);
    const check = await viaRenderCheck(rule, pass);
    t.deepEqual(pack, []);
    t.deepEqual(check.findings, []);
    t.is(check.exit, 0, "render --check passes the whole unmodified stage");
  });
  test.serial(`${rule}: the failing fixture fails in both runners, with the same findings`, async (t) => {
    const pack = await viaPack(rule, fail);
    const check = await viaRenderCheck(rule, fail);
    t.true(pack.length > 0);
    t.deepEqual(pack.sort(), check.findings.sort());
    t.is(check.exit, 1);
  });
}

for (const [i, [rule, fx]] of EXTRA_FAILS.entries()) {
  test.serial(`${rule}: second failing fixture (#${i}) fails in both runners`, async (t) => {
    const pack = await viaPack(rule, fx);
    const check = await viaRenderCheck(rule, fx);
    t.true(pack.length > 0);
    t.deepEqual(pack.sort(), check.findings.sort());
    t.is(check.exit, 1);
  });
}
