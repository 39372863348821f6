import * as pulumi from "@pulumi/pulumi";
import { createManifests } from "../kubernetes/resources.ts";
import type { DataPlanePlan } from "./plan.ts";

export interface DataPlaneArgs {
  /** The planned data plane (`planDataPlane`): readers, writer(s), workers, their Services, ServiceAccounts and config. */
  plan: DataPlanePlan;
}

/** The omnigraph roles as workloads. Token `omnigraph:dataplane:DataPlane`. */
export class DataPlane extends pulumi.ComponentResource {
  readonly readerService: pulumi.Output<string>;
  readonly writerService: pulumi.Output<string>;

  constructor(name: string, args: DataPlaneArgs, opts?: pulumi.ComponentResourceOptions) {
    super("omnigraph:dataplane:DataPlane", name, {}, opts);
    createManifests(args.plan.manifests, { parent: this });
    this.readerService = pulumi.output(args.plan.services.reader);
    this.writerService = pulumi.output(args.plan.services.writer);
    this.registerOutputs({ readerService: this.readerService, writerService: this.writerService });
  }
}
