/** Stage 2 — elastic: stage 1 plus N writers behind consistent-hash routing, the worker tier, reader autoscaling. */
import { DataPlane } from "../components/data-plane/component.ts";
import { ControlPlane } from "../components/control-plane/component.ts";
import { Routing } from "../components/routing/component.ts";
import { KitPlanInvalid } from "../components/errors.ts";
import { expectStage, foundation, network, outputs, type StackOptions, type StageOutputs } from "./compose.ts";
import type { DeploymentPlan } from "./plan.ts";

export function deployElastic(plan: DeploymentPlan, opts: StackOptions = {}): StageOutputs {
  expectStage(plan, "elastic");
  const { dataPlane, controlPlane, routing } = plan.parts;
  if (!dataPlane || !controlPlane || !routing) throw new KitPlanInvalid(["stage elastic needs a data plane, a control plane and routing"]);
  const f = foundation(plan, opts);
  const dp = new DataPlane("data-plane", { plan: dataPlane }, { ...f.opts, dependsOn: [f.policy, f.objectStore, f.tenants] });
  new Routing("routing", { plan: routing }, { ...f.opts, dependsOn: [dp] });
  new ControlPlane("control-plane", { plan: controlPlane }, f.opts);
  network(plan, f);
  return outputs(plan, f, ["PolicyBundle", "ObjectStore", "TenantStore", "DataPlane", "Routing", "ControlPlane", "Network"]);
}
