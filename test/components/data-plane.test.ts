import test from "ava";
import fc from "fast-check";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { IDeployment, IStatefulSet } from "kubernetes-models/apps/v1";
import type { IConfigMap } from "kubernetes-models/v1";
import { ServerConfigSchema } from "../../server/config/schema.ts";
import { loadConfig } from "../../server/config/load.ts";
import { planDeployment } from "../../stacks/plan.ts";
import { LABEL_VERSION } from "../../components/kubernetes/manifest.ts";
import { ROOT, stackWith } from "./support.ts";

const STAGES = ["managed", "elastic", "byoc", "airgapped"] as const;
const workloads = (ms: { kind: string }[]) => ms.filter((m): m is IDeployment | IStatefulSet => m.kind === "Deployment" || m.kind === "StatefulSet");
const hex = fc.stringMatching(/^[a-f0-9]{64}$/);

test("selector labels never contain a version, digest or stage (property over image digests and instance names)", (t) => {
  const ran = fc.check(fc.property(hex, fc.stringMatching(/^[a-z][a-z0-9]{0,10}$/), fc.constantFrom(...STAGES), (digest, instance, stage) => {
    const plan = planDeployment(stackWith(stage, { image: { registry: "r.example", repository: "omnigraph/omnigraph", digest: `sha256:${digest}` }, instance }), { projectDir: ROOT });
    const selectors = [
      ...workloads(plan.manifests).map((w) => w.spec!.selector.matchLabels ?? {}),
      ...plan.manifests.filter((m) => m.kind === "Service").map((m) => (m as { spec?: { selector?: Record<string, string> } }).spec?.selector ?? {}),
      ...plan.manifests.filter((m) => m.kind === "PodDisruptionBudget").map((m) => (m as { spec: { selector: { matchLabels: Record<string, string> } } }).spec.selector.matchLabels),
    ];
    return selectors.length > 0 && selectors.every((sel) => Object.entries(sel).every(([k, v]) =>
      k !== LABEL_VERSION && !k.includes("version") && !k.includes("stage") && !v.includes(digest.slice(0, 12)) && v !== stage));
  }), { numRuns: 25 });
  t.false(ran.failed, fc.defaultReportMessage(ran) ?? "");
});

test("pod templates carry the version label (outside the selector) and the policy and config hashes", (t) => {
  const plan = planDeployment(stackWith("managed"), { projectDir: ROOT });
  for (const w of workloads(plan.manifests).filter((x) => x.metadata?.labels?.["omnigraph.dev/role"] !== "infra")) {
    const tpl = w.spec!.template.metadata!;
    t.truthy(tpl.labels?.[LABEL_VERSION], w.metadata?.name);
    t.is(w.spec!.selector.matchLabels?.[LABEL_VERSION], undefined);
    if (["reader", "writer", "worker"].includes(w.metadata!.labels!["omnigraph.dev/role"]!)) {
      t.is(tpl.annotations?.["omnigraph.dev/policy-bundle-hash"], plan.parts.policy.hash);
      t.regex(tpl.annotations?.["omnigraph.dev/config-hash"] ?? "", /^sha256:[a-f0-9]{64}$/);
    }
  }
});

for (const stage of STAGES) {
  test(`${stage}: every data-plane ConfigMap is accepted by the server's ServerConfigSchema and loadConfig`, (t) => {
    const plan = planDeployment(stackWith(stage), { projectDir: ROOT });
    const cms = plan.manifests.filter((m): m is IConfigMap => m.kind === "ConfigMap" && /-(reader|writer|worker)-config$/.test(m.metadata?.name ?? ""));
    t.true(cms.length >= 2);
    const dir = mkdtempSync(join(tmpdir(), "og-kit-config-"));
    for (const cm of cms) {
      const text = cm.data!["config.yaml"]!;
      const file = join(dir, `${cm.metadata!.name}.yaml`);
      writeFileSync(file, text);
      const loaded = loadConfig({ file, env: {}, flags: {} });
      const role = cm.metadata!.name!.replace(/^omnigraph-|-config$/g, "");
      t.is(String(loaded.config.role), role);
      t.is(loaded.config.bind, "0.0.0.0:8080");
      t.is(loaded.config.auth.unauthenticated, false);
      t.true(ServerConfigSchema.safeParse((loaded.config)).success);
      t.is(loaded.config.writer_url === null, role !== "reader");
    }
  });
}

test("every data-plane container: port 8080, /healthz liveness, /readyz readiness, requests+limits, non-root, read-only root with declared writable paths, grace < termination", (t) => {
  for (const stage of STAGES) {
    const plan = planDeployment(stackWith(stage), { projectDir: ROOT });
    for (const w of workloads(plan.manifests).filter((x) => ["reader", "writer", "worker"].includes(x.metadata!.labels!["omnigraph.dev/role"]!))) {
      const pod = w.spec!.template.spec!;
      const c = pod.containers[0]!;
      t.is(c.ports?.[0]?.containerPort, 8080);
      t.is(c.livenessProbe?.httpGet?.path, "/healthz");
      t.is(c.readinessProbe?.httpGet?.path, "/readyz");
      t.truthy(c.resources?.requests?.cpu && c.resources?.limits?.memory);
      t.true(c.securityContext?.readOnlyRootFilesystem === true && pod.securityContext?.runAsNonRoot === true);
      const writable = w.spec!.template.metadata!.annotations!["omnigraph.dev/writable-paths"]!.split(",");
      for (const p of writable) t.truthy(c.volumeMounts?.find((m) => m.mountPath === p && !m.readOnly), `${p} is mounted writable`);
      const grace = Number(c.args![c.args!.indexOf("--shutdown-grace-seconds") + 1]);
      t.true(grace < pod.terminationGracePeriodSeconds!, `${stage} ${w.metadata!.name}`);
    }
  }
});

test("managed: exactly one writer replica; elastic: the configured N with stable StatefulSet names", (t) => {
  const writer = (stage: string, o = {}) => workloads(planDeployment(stackWith(stage, o), { projectDir: ROOT }).manifests).find((w) => w.metadata!.name === "omnigraph-writer") as IStatefulSet;
  t.is(writer("managed").spec!.replicas, 1);
  t.is(writer("managed").kind, "StatefulSet");
  t.is(writer("elastic", { writers: 6 }).spec!.replicas, 6);
});
