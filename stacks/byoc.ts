/**
 * Stage 3 — BYOC: in the customer's account, the stage-1 or stage-2 data plane and the
 * customer's own bucket; no control plane (the vendor keeps it), no cross-account
 * principal. With `vendorSide: true` the same stage deploys only the vendor's control plane.
 */
import { DataPlane } from "../components/data-plane/component.ts";
import { ControlPlane } from "../components/control-plane/component.ts";
import { Routing } from "../components/routing/component.ts";
import { KitPlanInvalid } from "../components/errors.ts";
import { expectStage, foundation, network, outputs, type StackOptions, type StageOutputs } from "./compose.ts";
import type { DeploymentPlan } from "./plan.ts";

export function deployByoc(plan: DeploymentPlan, opts: StackOptions = {}): StageOutputs {
  expectStage(plan, "byoc");
  const { dataPlane, controlPlane, routing } = plan.parts;
  const f = foundation(plan, opts);
  if (!dataPlane) {
    if (!controlPlane) throw new KitPlanInvalid(["the BYOC vendor-side stack needs a control plane"]);
    new ControlPlane("control-plane", { plan: controlPlane }, f.opts);
    network(plan, f);
    return outputs(plan, f, ["PolicyBundle", "ObjectStore", "TenantStore", "ControlPlane", "Network"]);
  }
  if (controlPlane) throw new KitPlanInvalid(["the customer side of stage byoc runs no control plane"]);
  const dp = new DataPlane("data-plane", { plan: dataPlane }, { ...f.opts, dependsOn: [f.policy, f.objectStore, f.tenants] });
  if (routing) new Routing("routing", { plan: routing }, { ...f.opts, dependsOn: [dp] });
  network(plan, f);
  return outputs(plan, f, ["PolicyBundle", "ObjectStore", "TenantStore", "DataPlane", ...(routing ? ["Routing"] : []), "Network"]);
}
