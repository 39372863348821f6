import test from "ava";
import { k8sOfKind, ofType, runStack } from "./mocks.ts";

const { resources, exports } = await runStack("managed");
const name = (r: { inputs: Record<string, unknown> }) => (r.inputs.metadata as { name: string }).name;

test("managed: the entry program built the managed composition", (t) => {
  t.is(exports.stage, "managed");
  t.true((exports.components as string[]).includes("ControlPlane"));
});

test("managed: exactly one writer — one StatefulSet with one replica, no writer autoscaler, no worker", (t) => {
  const writers = k8sOfKind(resources, "StatefulSet").filter((r) => name(r) === "omnigraph-writer");
  t.is(writers.length, 1);
  t.is((writers[0]!.inputs.spec as { replicas: number }).replicas, 1);
  const hpaTargets = k8sOfKind(resources, "HorizontalPodAutoscaler").map((r) => (r.inputs.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name);
  t.deepEqual(hpaTargets, ["omnigraph-reader"]);
  t.false(resources.some((r) => r.inputs.kind === "Deployment" && name(r) === "omnigraph-worker"));
  t.is(k8sOfKind(resources, "HTTPRoute").length, 0);
});

test("managed: an S3 bucket with versioning, encryption, public access blocked; IRSA roles, no access keys", (t) => {
  t.is(ofType(resources, "aws:s3/bucket:Bucket").length, 1);
  t.is(ofType(resources, "aws:s3/bucketVersioning:BucketVersioning").length, 1);
  t.is(ofType(resources, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").length, 1);
  t.is(ofType(resources, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").length, 1);
  t.true(ofType(resources, "aws:iam/role:Role").length >= 4);
  t.is(ofType(resources, "aws:iam/accessKey:AccessKey").length, 0);
  const readerSa = k8sOfKind(resources, "ServiceAccount").find((r) => name(r) === "omnigraph-reader")!;
  t.regex((readerSa.inputs.metadata as { annotations: Record<string, string> }).annotations["eks.amazonaws.com/role-arn"]!, /^arn:aws:iam::123456789012:role\//);
});

test("managed: the control plane and issuer exist", (t) => {
  const deployments = k8sOfKind(resources, "Deployment").map(name);
  t.true(deployments.includes("omnigraph-control-plane"));
  t.true(deployments.includes("omnigraph-issuer"));
});
