/**
 * Typed errors of the deployment kit (planners, stack config, render, guard rules).
 * One base class, a subclass per failure with a stable `code`; messages are full
 * sentences that say the fix. Tests assert on `code`, never on the text.
 */
export type KitErrorCode =
  | "ERR_KIT_CONFIG_INVALID"
  | "ERR_KIT_PLAN_INVALID"
  | "ERR_POLICY_BUNDLE_INVALID"
  | "ERR_MANIFEST_INVALID"
  | "ERR_GUARD_VIOLATION";

export class KitError extends Error {
  readonly code: KitErrorCode;
  /** Every problem found, one sentence each (the message joins them). */
  readonly problems: string[];
  /** Dotted config keys the problems are about, where known (tests and tools branch on these). */
  readonly paths: string[];
  constructor(code: KitErrorCode, problems: string[], paths: string[] = []) {
    super(problems.join("\n"));
    this.name = "KitError";
    this.code = code;
    this.problems = problems;
    this.paths = paths;
  }
}

/** The stack config (Pulumi.<stage>.yaml or `render --config`) does not describe a valid deployment. */
export class KitConfigInvalid extends KitError {
  static readonly code = "ERR_KIT_CONFIG_INVALID";
  constructor(problems: string[], paths: string[] = []) {
    super("ERR_KIT_CONFIG_INVALID", problems, paths);
  }
}

/** A planner was given input that passes the schema but cannot be planned (a kit bug or an impossible combination). */
export class KitPlanInvalid extends KitError {
  static readonly code = "ERR_KIT_PLAN_INVALID";
  constructor(problems: string[]) {
    super("ERR_KIT_PLAN_INVALID", problems);
  }
}

/** The Cedar bundle does not parse or does not validate against its schema. */
export class PolicyBundleInvalid extends KitError {
  static readonly code = "ERR_POLICY_BUNDLE_INVALID";
  constructor(problems: string[]) {
    super("ERR_POLICY_BUNDLE_INVALID", problems);
  }
}

/** A planned or rendered Kubernetes object fails offline schema validation. */
export class ManifestInvalid extends KitError {
  static readonly code = "ERR_MANIFEST_INVALID";
  constructor(problems: string[]) {
    super("ERR_MANIFEST_INVALID", problems);
  }
}

/** One or more guard rules failed (`render --check`, or a plan checked before deploy). */
export class GuardViolation extends KitError {
  static readonly code = "ERR_GUARD_VIOLATION";
  constructor(problems: string[]) {
    super("ERR_GUARD_VIOLATION", problems);
  }
}
