/**
 * CrossGuard policy pack entry: `pulumi preview --policy-pack policies/guard`.
 * Constructing the PolicyPack starts the policy server, so only this file does it.
 */
import { PolicyPack } from "@pulumi/policy";
import { guardPolicies, PACK_NAME } from "./pack.ts";

new PolicyPack(PACK_NAME, { enforcementLevel: "mandatory", policies: guardPolicies });
