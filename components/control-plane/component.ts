import * as pulumi from "@pulumi/pulumi";
import { createManifests } from "../kubernetes/resources.ts";
import type { ControlPlanePlan } from "./plan.ts";

export interface ControlPlaneArgs {
  /** The planned control plane and issuer (`planControlPlane`). Never passed in stage airgapped. */
  plan: ControlPlanePlan;
}

/** Control plane and identity issuer (soft state, off the request path). Token `omnigraph:controlplane:ControlPlane`. */
export class ControlPlane extends pulumi.ComponentResource {
  readonly issuerService: pulumi.Output<string>;

  constructor(name: string, args: ControlPlaneArgs, opts?: pulumi.ComponentResourceOptions) {
    super("omnigraph:controlplane:ControlPlane", name, {}, opts);
    createManifests(args.plan.manifests, { parent: this });
    this.issuerService = pulumi.output(args.plan.services.issuer);
    this.registerOutputs({ issuerService: this.issuerService });
  }
}
