/**
 * Pulumi program entry (Pulumi.yaml `main`). One composition per stage will live beside
 * this file (managed, elastic, byoc, airgapped), selected by the stack's `stage` config.
 * The deployment kit is not built yet; failing loudly beats deploying half a stack.
 */
throw new Error("the OmniGraph deployment stacks are not built yet in this checkout (see README, Status)");
