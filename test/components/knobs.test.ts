import test from "ava";
import fc from "fast-check";
import { computeNoProxy, imageReference, KnobsInput, mergeEnv, workloadKnobs } from "../../components/knobs/plan.ts";
import { ImageInput } from "../../components/knobs/plan.ts";
import { failure } from "./support.ts";

const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}[a-z0-9]$/);
const host = fc.array(label, { minLength: 1, maxLength: 4 }).map((parts) => parts.join("."));

test("NO_PROXY always contains every object-store host and the cluster suffixes (property)", (t) => {
  const ran = fc.check(fc.property(label, label, fc.array(host, { maxLength: 4 }), fc.array(host, { maxLength: 3 }), (domain, ns, hosts, extra) => {
    const clusterDomain = `${domain}.local`;
    const entries = computeNoProxy({ clusterDomain, namespace: ns, objectStoreHosts: hosts, extra }).toString().split(",");
    return hosts.every((h) => entries.includes(h)) && [".svc", `.svc.${clusterDomain}`, `.${clusterDomain}`, "localhost", "127.0.0.1"].every((s) => entries.includes(s));
  }), { numRuns: 300 });
  t.false(ran.failed, fc.defaultReportMessage(ran) ?? "");
  t.is(ran.numRuns, 300);
});

test("the proxy knob puts the computed NO_PROXY (with the object-store host) into the pod env", (t) => {
  const knobs = KnobsInput.parse({ proxy: { https: "http://proxy.corp:3128", noProxy: [".corp"] } });
  const k = workloadKnobs(knobs, { clusterDomain: "cluster.local", namespace: "og", objectStoreHosts: ["s3.eu-west-1.amazonaws.com"] });
  const noProxy = k.env.find((e) => e.name === "NO_PROXY")!.value!.split(",");
  t.true(noProxy.includes("s3.eu-west-1.amazonaws.com"));
  t.true(noProxy.includes(".corp"));
  t.is(k.env.find((e) => e.name === "HTTPS_PROXY")?.value, "http://proxy.corp:3128");
});

test("the CA bundle knob mounts the ConfigMap and names it in NODE_EXTRA_CA_CERTS", (t) => {
  const k = workloadKnobs(KnobsInput.parse({ caBundle: { configMap: "site-ca" } }), { clusterDomain: "cluster.local", namespace: "og", objectStoreHosts: [] });
  t.is(k.volumes[0]?.configMap?.name, "site-ca");
  const mount = k.volumeMounts[0]!.mountPath;
  t.is(k.env.find((e) => e.name === "NODE_EXTRA_CA_CERTS")?.value, `${mount}/ca.crt`);
});

test("images are referenced by digest, with the registry override applied; latest is refused", (t) => {
  const digest = `sha256:${"a".repeat(64)}`;
  t.is(imageReference(ImageInput.parse({ registry: "docker.io", repository: "omnigraph/omnigraph", digest }), "mirror.local:5000"), `mirror.local:5000/omnigraph/omnigraph@${digest}`);
  t.false(ImageInput.safeParse({ registry: "docker.io", repository: "minio/minio", tag: "latest" }).success);
  t.false(ImageInput.safeParse({ registry: "docker.io", repository: "minio/minio" }).success);
});

test("extraEnv may not override a variable the kit sets (ERR_KIT_CONFIG_INVALID)", (t) => {
  t.is(failure(() => mergeEnv([{ name: "AWS_REGION", value: "eu-west-1" }], [{ name: "AWS_REGION", value: "us-east-1" }])).code, "ERR_KIT_CONFIG_INVALID");
  t.is(mergeEnv([{ name: "A", value: "1" }], [{ name: "B", value: "2" }]).length, 2);
});
