import test from "ava";
import { parseStackConfig } from "../../stacks/config.ts";
import { failure, rawStack, stackWith } from "../components/support.ts";

const refused = (stage: string, overrides: Record<string, unknown>) => failure(() => stackWith(stage, overrides));

test("every example stack file is a valid config for its stage", (t) => {
  for (const stage of ["managed", "elastic", "byoc", "airgapped"]) t.is(String(stackWith(stage).stage), stage);
});

const cases: [string, string, Record<string, unknown>, string][] = [
  ["more than one writer in managed", "managed", { writers: 3 }, "writers"],
  ["workers in managed", "managed", { workers: 2 }, "workers"],
  ["routing in managed", "managed", { routing: rawStack("elastic")["omnigraph-cloud:routing"] }, "routing"],
  ["one writer in elastic", "elastic", { writers: 1 }, "writers"],
  ["elastic without routing", "elastic", { routing: undefined }, "routing"],
  ["managed on GCS", "managed", { storage: { provider: "gcs", bucket: "og-gcs", location: "EU", project: "acme-prod-1" } }, "storage.provider"],
  ["managed without a control plane", "managed", { controlPlane: undefined }, "controlPlane"],
  ["a control plane in airgapped", "airgapped", { controlPlane: rawStack("managed")["omnigraph-cloud:controlPlane"] }, "controlPlane"],
  ["S3 in airgapped", "airgapped", { storage: { provider: "s3", bucket: "og-bucket", region: "eu-west-1" }, identity: rawStack("managed")["omnigraph-cloud:identity"] }, "storage.provider"],
  ["airgapped without a registry mirror", "airgapped", { knobs: {} }, "knobs.registryOverride"],
  ["airgapped OIDC without pre-seeded keys", "airgapped", { auth: { mode: "oidc", oidc: { issuer: "https://idp.site", audience: "og" } } }, "auth.oidc.jwks"],
  ["a control plane on the customer side of byoc", "byoc", { controlPlane: rawStack("managed")["omnigraph-cloud:controlPlane"] }, "controlPlane"],
  ["byoc without the vendor endpoints", "byoc", { vendor: undefined }, "vendor"],
  ["MinIO in byoc", "byoc", { storage: rawStack("airgapped")["omnigraph-cloud:storage"], identity: { kind: "none" } }, "storage.provider"],
  ["an image by tag", "managed", { image: { registry: "r.example", repository: "omnigraph/omnigraph", tag: "0.10.0" } }, "image.digest"],
  ["the latest tag", "managed", { image: { registry: "r.example", repository: "omnigraph/omnigraph", tag: "latest" } }, "image.tag"],
  ["static auth without a tokens Secret", "airgapped", { auth: { mode: "static" } }, "auth.tokensSecret"],
  ["an unknown key", "managed", { writerz: 1 }, "writerz"],
  ["a misspelt nested key", "managed", { storage: { provider: "s3", bucket: "og-bucket", region: "eu-west-1", versioned: false } }, "storage.versioned"],
];
for (const [what, stage, overrides, path] of cases) {
  test(`refused with ERR_KIT_CONFIG_INVALID naming \`${path}\`: ${what}`, (t) => {
    const r = refused(stage, overrides);
    t.is(r.code, "ERR_KIT_CONFIG_INVALID");
    t.true(r.paths.includes(path), `paths: ${r.paths.join(", ")}`);
  });
}

test("config keys for another project are refused, provider keys (aws:, gcp:, kubernetes:) are not", (t) => {
  const raw = { ...rawStack("managed"), "omnigraph-clod:stage": "managed" };
  const r = failure(() => parseStackConfig(raw));
  t.is(r.code, "ERR_KIT_CONFIG_INVALID");
  t.true(r.paths.includes("omnigraph-clod:stage"));
  t.is(parseStackConfig({ ...rawStack("managed"), "kubernetes:context": "prod" }).stage, "managed");
});
