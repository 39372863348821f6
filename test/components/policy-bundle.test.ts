import test from "ava";
import { readFileSync } from "node:fs";
import type { IDeployment } from "kubernetes-models/apps/v1";
import { planPolicyBundle, readBundleDir, contentHash } from "../../components/policy-bundle/plan.ts";
import { planDeployment } from "../../stacks/plan.ts";
import { failure, ROOT, stackWith } from "./support.ts";

const labels = { instance: "omnigraph", namespace: "omnigraph", stage: "managed" };
const CEDAR = `${ROOT}test/components/fixtures/cedar-bundle`;
const bundle = () => readBundleDir(CEDAR);

test("the default (policy.yaml) bundle validates and becomes a ConfigMap with a content hash", (t) => {
  const dir = `${ROOT}policies/deploy-default`;
  const plan = planPolicyBundle(readBundleDir(dir), { labels, sourceDir: dir });
  t.regex(plan.hash, /^sha256:[a-f0-9]{64}$/);
  const cm = plan.manifests[0]! as { data: Record<string, string> };
  t.deepEqual(Object.keys(cm.data).sort(), ["policy.tests.yaml", "policy.yaml"]);
});

test("a raw Cedar bundle validates against its schema with Cedar", (t) => {
  const plan = planPolicyBundle(bundle(), { labels });
  t.deepEqual(Object.keys((plan.manifests[0]! as { data: Record<string, string> }).data).sort(), ["policies.cedar", "schema.cedarschema"]);
});

test("a policy.yaml naming an unknown group fails planning (ERR_POLICY_BUNDLE_INVALID)", (t) => {
  const dir = `${ROOT}test/components/fixtures/invalid-policy-yaml`;
  t.is(failure(() => planPolicyBundle(readBundleDir(dir), { labels, sourceDir: dir })).code, "ERR_POLICY_BUNDLE_INVALID");
});

test("a bundle with a Cedar syntax error fails planning with ERR_POLICY_BUNDLE_INVALID", (t) => {
  const files = { ...bundle(), "broken.cedar": 'permit(principal, action == Omnigraph::Action::"read", resource' };
  t.is(failure(() => planPolicyBundle(files, { labels })).code, "ERR_POLICY_BUNDLE_INVALID");
});

test("a policy naming an action the schema lacks fails validation (ERR_POLICY_BUNDLE_INVALID)", (t) => {
  const files = { ...bundle(), "typo.cedar": 'permit(principal, action == Omnigraph::Action::"rad", resource);' };
  t.is(failure(() => planPolicyBundle(files, { labels })).code, "ERR_POLICY_BUNDLE_INVALID");
});

test("a bundle with no policies at all is refused rather than deployed as deny-everything", (t) => {
  t.is(failure(() => planPolicyBundle({ "schema.cedarschema": bundle()["schema.cedarschema"]! }, { labels })).code, "ERR_POLICY_BUNDLE_INVALID");
});

test("an invalid bundle fails the whole stage plan (what `pulumi preview` and `render` run)", (t) => {
  t.is(failure(() => planDeployment(stackWith("managed", { policy: { bundleDir: "test/components/fixtures/invalid-bundle" } }), { projectDir: ROOT })).code, "ERR_POLICY_BUNDLE_INVALID");
  t.is(failure(() => planDeployment(stackWith("managed", { policy: { bundleDir: "no/such/dir" } }), { projectDir: ROOT })).code, "ERR_POLICY_BUNDLE_INVALID");
});

test("changing a policy changes the pod-template hash annotation (pods roll), and nothing else in the Deployment spec", (t) => {
  const a = planDeployment(stackWith("managed"), { projectDir: ROOT });
  const b = planDeployment(stackWith("managed", { policy: { bundleDir: "test/components/fixtures/other-bundle" } }), { projectDir: ROOT });
  const reader = (p: typeof a) => p.manifests.find((m) => m.kind === "Deployment" && m.metadata?.name === "omnigraph-reader") as IDeployment;
  const ha = reader(a).spec!.template.metadata!.annotations!["omnigraph.dev/policy-bundle-hash"];
  const hb = reader(b).spec!.template.metadata!.annotations!["omnigraph.dev/policy-bundle-hash"];
  t.not(ha, hb);
  t.is(hb, contentHash(readBundleDir(`${ROOT}test/components/fixtures/other-bundle`)));
  const strip = (d: IDeployment) => JSON.stringify({ ...d.spec, template: { ...d.spec!.template, metadata: { ...d.spec!.template.metadata, annotations: {} } } });
  t.is(strip(reader(a)), strip(reader(b)));
});

test("air-gapped OIDC: the pre-seeded JWKS becomes a ConfigMap mounted where jwks_offline_path points; private keys are refused", (t) => {
  const jwks = JSON.parse(readFileSync(`${ROOT}test/components/fixtures/jwks-public.json`, "utf8"));
  const plan = planDeployment(stackWith("airgapped", { auth: { mode: "oidc", oidc: { issuer: "https://idp.site.internal", audience: "omnigraph", jwks } } }), { projectDir: ROOT });
  const cm = plan.manifests.find((m) => m.kind === "ConfigMap" && m.metadata?.name === "omnigraph-jwks") as { data: Record<string, string> } | undefined;
  t.deepEqual(JSON.parse(cm!.data["jwks.json"]!), jwks);
  t.is(plan.parts.dataPlane!.serverConfigs.reader!.auth.oidc!.jwks_offline_path, "/etc/omnigraph/jwks/jwks.json");
  const reader = plan.manifests.find((m) => m.kind === "Deployment" && m.metadata?.name === "omnigraph-reader") as IDeployment;
  t.truthy(reader.spec!.template.spec!.containers[0]!.volumeMounts!.find((v) => v.mountPath === "/etc/omnigraph/jwks"));
  const priv = { keys: [{ ...jwks.keys[0], d: "c2VjcmV0" }] };
  t.is(failure(() => stackWith("airgapped", { auth: { mode: "oidc", oidc: { issuer: "https://idp.site.internal", audience: "omnigraph", jwks: priv } } })).code, "ERR_KIT_CONFIG_INVALID");
});
