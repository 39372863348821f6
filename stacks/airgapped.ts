/** Stage 3 — air-gapped: MinIO in the cluster, the data plane, static config; no control plane, no cloud objects. */
import { DataPlane } from "../components/data-plane/component.ts";
import { Routing } from "../components/routing/component.ts";
import { KitPlanInvalid } from "../components/errors.ts";
import { expectStage, foundation, network, outputs, type StackOptions, type StageOutputs } from "./compose.ts";
import type { DeploymentPlan } from "./plan.ts";

export function deployAirgapped(plan: DeploymentPlan, opts: StackOptions = {}): StageOutputs {
  expectStage(plan, "airgapped");
  const { dataPlane, controlPlane, routing } = plan.parts;
  if (!dataPlane) throw new KitPlanInvalid(["stage airgapped needs a data plane"]);
  if (controlPlane) throw new KitPlanInvalid(["stage airgapped has no control plane"]);
  if (plan.cloud.length) throw new KitPlanInvalid(["stage airgapped creates no cloud objects (the data stays in MinIO)"]);
  const f = foundation(plan, opts);
  const dp = new DataPlane("data-plane", { plan: dataPlane }, { ...f.opts, dependsOn: [f.policy, f.objectStore] });
  if (routing) new Routing("routing", { plan: routing }, { ...f.opts, dependsOn: [dp] });
  network(plan, f);
  return outputs(plan, f, ["PolicyBundle", "ObjectStore", "DataPlane", ...(routing ? ["Routing"] : []), "Network"]);
}
