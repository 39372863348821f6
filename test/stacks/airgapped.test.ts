import test from "ava";
import { k8sOfKind, runStack } from "./mocks.ts";

const { resources, exports } = await runStack("airgapped");

test("airgapped: the entry program built the airgapped composition", (t) => {
  t.is(exports.stage, "airgapped");
  t.deepEqual(exports.components, ["PolicyBundle", "ObjectStore", "DataPlane", "Network"]);
});

test("airgapped: MinIO is present (StatefulSet, Services, bootstrap Job)", (t) => {
  const sts = k8sOfKind(resources, "StatefulSet").map((r) => (r.inputs.metadata as { name: string }).name);
  t.true(sts.includes("omnigraph-minio"));
  t.is(k8sOfKind(resources, "Job").length, 1);
});

test("airgapped: no control plane and no cloud bucket", (t) => {
  const names = resources.map((r) => (r.inputs.metadata as { name?: string } | undefined)?.name ?? r.name);
  t.false(names.some((n) => /control-plane|issuer/.test(n)), names.join(","));
  t.deepEqual(resources.filter((r) => r.type.startsWith("aws:") || r.type.startsWith("gcp:")).map((r) => r.type), []);
});
