import test from "ava";
import { k8sOfKind, ofType, type Recorded, runStack } from "./mocks.ts";

const { resources, exports } = await runStack("byoc");
const name = (r: Recorded) => (r.inputs.metadata as { name?: string } | undefined)?.name ?? r.name;

test("byoc: the customer's side runs the data plane and no control plane", (t) => {
  t.is(exports.stage, "byoc");
  t.false(resources.some((r) => /control-plane|issuer/.test(name(r))));
  t.truthy(k8sOfKind(resources, "StatefulSet").find((r) => name(r) === "omnigraph-writer"));
});

test("byoc: the GCS bucket grants only the customer's own service accounts — no cross-account principal", (t) => {
  t.is(ofType(resources, "gcp:storage/bucket:Bucket").length, 1);
  const members = ofType(resources, "gcp:storage/bucketIAMMember:BucketIAMMember").map((r) => String(r.inputs.member));
  t.true(members.length > 0);
  for (const m of members) t.regex(m, /^serviceAccount:[a-z0-9-]+@acme-omnigraph-prod\.iam\.gserviceaccount\.com$/);
  const wi = ofType(resources, "gcp:serviceaccount/iAMMember:IAMMember").map((r) => String(r.inputs.member));
  for (const m of wi) t.regex(m, /^serviceAccount:acme-omnigraph-prod\.svc\.id\.goog\[omnigraph\//);
  t.is(ofType(resources, "gcp:serviceaccount/key:Key").length, 0);
});

test("byoc on S3: the bucket policy names no principal outside the customer's account", async (t) => {
  // Same program, S3 variant of the customer's config: the policy's only statement is the TLS-only deny.
  const { planDeployment } = await import("../../stacks/plan.ts");
  const { parseStackConfig } = await import("../../stacks/config.ts");
  const { stackConfig, ROOT } = await import("./mocks.ts");
  const raw = Object.fromEntries(Object.entries(stackConfig("byoc", {
    "omnigraph-cloud:storage": { provider: "s3", bucket: "acme-graphs", region: "eu-west-1" },
    "omnigraph-cloud:identity": { kind: "aws", accountId: "210987654321", oidcProviderArn: "arn:aws:iam::210987654321:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ACME" },
  })).map(([k, v]) => [k, (() => { try { return JSON.parse(v); } catch { return v; } })()]));
  const plan = planDeployment(parseStackConfig(raw), { projectDir: ROOT });
  const policy = plan.cloud.find((r) => r.type === "aws:s3/bucketPolicy:BucketPolicy")!;
  const doc = JSON.parse((policy.args as { policy: string }).policy) as { Statement: { Effect: string; Principal: unknown }[] };
  t.deepEqual(doc.Statement.filter((s) => s.Effect === "Allow"), []);
  const arns = JSON.stringify(plan.cloud).match(/arn:aws:iam::\d{12}/g) ?? [];
  t.true(arns.length > 0);
  t.deepEqual([...new Set(arns)], ["arn:aws:iam::210987654321"]);
});
