import * as pulumi from "@pulumi/pulumi";
import { createManifests } from "../kubernetes/resources.ts";
import type { PolicyBundlePlan } from "./plan.ts";

export interface PolicyBundleArgs {
  /** The planned bundle (`planPolicyBundle`, already validated with Cedar: an invalid bundle never gets here). */
  plan: PolicyBundlePlan;
}

/** The Cedar bundle (and pre-seeded JWKS) as ConfigMaps. Token `omnigraph:policy:PolicyBundle`. */
export class PolicyBundle extends pulumi.ComponentResource {
  /** `sha256:…` of the bundle; the data plane's pod templates carry it so pods roll on change. */
  readonly hash: pulumi.Output<string>;

  constructor(name: string, args: PolicyBundleArgs, opts?: pulumi.ComponentResourceOptions) {
    super("omnigraph:policy:PolicyBundle", name, {}, opts);
    createManifests(args.plan.manifests, { parent: this });
    this.hash = pulumi.output(args.plan.hash);
    this.registerOutputs({ hash: this.hash });
  }
}
