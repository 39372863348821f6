/**
 * The guard rules as CrossGuard stack policies. Each rule of `rules.ts` becomes one
 * mandatory stack validation over the stack's resources; the pack adds no logic of its own.
 */
import type { PolicyResource, ReportViolation, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { GUARD_RULES, type GuardRule } from "./rules.ts";
import { subjectFromResources } from "./subject.ts";

export const PACK_NAME = "omnigraph-guard";

function toPolicy(rule: GuardRule): StackValidationPolicy {
  return {
    name: rule.id,
    description: rule.description,
    enforcementLevel: "mandatory",
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
      const subject = subjectFromResources(args.resources.map((r: PolicyResource) => ({ type: r.type, props: r.props, urn: r.urn })));
      for (const f of rule.check(subject)) {
        const target = subject.objects.find((o) => `${o.kind}/${o.metadata?.namespace ?? "-"}/${o.metadata?.name}` === f.object);
        const urn = target ? subject.locate?.(target) : undefined;
        report(`${f.object}: ${f.message}`, urn);
      }
    },
  };
}

/** One stack policy per guard rule. */
export const guardPolicies: StackValidationPolicy[] = GUARD_RULES.map(toPolicy);
