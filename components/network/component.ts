import * as pulumi from "@pulumi/pulumi";
import { createManifests } from "../kubernetes/resources.ts";
import type { Manifest } from "../kubernetes/manifest.ts";

export interface NetworkArgs {
  /** The planned NetworkPolicies (`planNetwork`): default deny plus each role's allows. */
  plan: { manifests: Manifest[] };
}

/** Default-deny NetworkPolicies and the allows each role needs. Token `omnigraph:network:Network`. */
export class Network extends pulumi.ComponentResource {
  readonly policies: pulumi.Output<string[]>;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("omnigraph:network:Network", name, {}, opts);
    createManifests(args.plan.manifests, { parent: this });
    this.policies = pulumi.output(args.plan.manifests.map((m) => String(m.metadata?.name)));
    this.registerOutputs({ policies: this.policies });
  }
}
