import test from "ava";
import { k8sOfKind, runStack } from "./mocks.ts";

const { resources, exports } = await runStack("elastic");
const name = (r: { inputs: Record<string, unknown> }) => (r.inputs.metadata as { name: string }).name;

test("elastic: routing and the worker tier are present", (t) => {
  t.is(exports.stage, "elastic");
  t.deepEqual(k8sOfKind(resources, "HTTPRoute").map(name).sort(), ["omnigraph-reads", "omnigraph-writes"]);
  const btp = k8sOfKind(resources, "BackendTrafficPolicy").find((r) => name(r) === "omnigraph-writes-by-graph")!;
  t.is((btp.inputs.spec as { loadBalancer: { type: string } }).loadBalancer.type, "ConsistentHash");
  t.is(k8sOfKind(resources, "EnvoyExtensionPolicy").length, 1);
  const worker = k8sOfKind(resources, "Deployment").find((r) => name(r) === "omnigraph-worker");
  t.truthy(worker);
  t.is((worker!.inputs.spec as { replicas: number }).replicas, 2);
});

test("elastic: N writers with stable names (a StatefulSet) and autoscaled readers", (t) => {
  const writer = k8sOfKind(resources, "StatefulSet").find((r) => name(r) === "omnigraph-writer")!;
  t.is((writer.inputs.spec as { replicas: number }).replicas, 4);
  const hpa = k8sOfKind(resources, "HorizontalPodAutoscaler").find((r) => name(r) === "omnigraph-reader")!;
  t.is((hpa.inputs.spec as { maxReplicas: number }).maxReplicas, 30);
});

test("elastic: bucket-per-tenant creates each tenant's bucket", (t) => {
  const buckets = resources.filter((r) => r.type === "aws:s3/bucket:Bucket").map((r) => r.inputs.bucket).sort();
  t.deepEqual(buckets, ["og-elastic-acme", "og-elastic-initech", "omnigraph-elastic-euw1"]);
});
