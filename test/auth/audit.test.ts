import test from "ava";
import { AuditLog } from "../../server/auth/audit.ts";
import { capturingLogger } from "./support.ts";

test("audit lines are structured, tagged log=audit, and carry actor, tenant, action, target, outcome and commit id", (t) => {
  const { logger, lines } = capturingLogger();
  const audit = new AuditLog(logger);
  audit.record({ requestId: "r1", actor: "alice", tenant: "acme", action: "change", graph: "social", branch: "main", outcome: "succeeded", status: 200, commitId: "01JCOMMIT", policyIds: ["editors:change"] });
  audit.record({ actor: null, tenant: null, action: "authenticate", graph: null, outcome: "rejected", status: 401, code: "ERR_TOKEN_EXPIRED" });
  const [a, b] = lines().trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  t.like(a, { log: "audit", event: "audit", request_id: "r1", actor: "alice", tenant: "acme", action: "change", graph: "social", branch: "main", outcome: "succeeded", commit_id: "01JCOMMIT", policy_ids: ["editors:change"] });
  t.like(b, { log: "audit", action: "authenticate", outcome: "rejected", status: 401, code: "ERR_TOKEN_EXPIRED" });
});
