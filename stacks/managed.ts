/** Stage 1 — managed: S3 + IRSA, readers + exactly one writer, control plane and issuer. */
import { DataPlane } from "../components/data-plane/component.ts";
import { ControlPlane } from "../components/control-plane/component.ts";
import { KitPlanInvalid } from "../components/errors.ts";
import { expectStage, foundation, network, outputs, type StackOptions, type StageOutputs } from "./compose.ts";
import type { DeploymentPlan } from "./plan.ts";

export function deployManaged(plan: DeploymentPlan, opts: StackOptions = {}): StageOutputs {
  expectStage(plan, "managed");
  const { dataPlane, controlPlane } = plan.parts;
  if (!dataPlane || !controlPlane) throw new KitPlanInvalid(["stage managed needs a data plane and a control plane"]);
  if (plan.parts.routing) throw new KitPlanInvalid(["stage managed has one writer and no write routing"]);
  const f = foundation(plan, opts);
  new DataPlane("data-plane", { plan: dataPlane }, { ...f.opts, dependsOn: [f.policy, f.objectStore, f.tenants] });
  new ControlPlane("control-plane", { plan: controlPlane }, f.opts);
  network(plan, f);
  return outputs(plan, f, ["PolicyBundle", "ObjectStore", "TenantStore", "DataPlane", "ControlPlane", "Network"]);
}
