import * as pulumi from "@pulumi/pulumi";
import { createManifests } from "../kubernetes/resources.ts";
import type { Manifest } from "../kubernetes/manifest.ts";

export interface RoutingArgs {
  /** The planned routes (`planRouting`): HTTPRoutes and the Envoy Gateway policies hashing writes by graph. */
  plan: { manifests: Manifest[] };
}

/** Consistent-hash write routing through an existing Envoy Gateway (elastic). Token `omnigraph:routing:Routing`. */
export class Routing extends pulumi.ComponentResource {
  readonly routes: pulumi.Output<string[]>;

  constructor(name: string, args: RoutingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("omnigraph:routing:Routing", name, {}, opts);
    createManifests(args.plan.manifests, { parent: this });
    this.routes = pulumi.output(args.plan.manifests.filter((m) => m.kind === "HTTPRoute").map((m) => String(m.metadata?.name)));
    this.registerOutputs({ routes: this.routes });
  }
}
