import pino, { type DestinationStream, type Logger } from "pino";
import type { Action } from "./identity.ts";

/**
 * One audit record: who did what to which target, and how it ended. The type has
 * no field for a token, a header or a body, so none can be logged by mistake.
 */
export interface AuditRecord {
  requestId?: string | undefined;
  actor: string | null;
  tenant: string | null;
  /** A Cedar action, or `authenticate` for a refused credential. */
  action: Action | "authenticate";
  graph: string | null;
  branch?: string | null | undefined;
  targetBranch?: string | null | undefined;
  /** Route, e.g. `POST /graphs/{graph_id}/mutate`. */
  route?: string | undefined;
  outcome: "allowed" | "denied" | "succeeded" | "failed" | "rejected";
  status?: number | undefined;
  /** The typed error code when the outcome is not a success. */
  code?: string | undefined;
  /** The commit a write produced. */
  commitId?: string | null | undefined;
  policyIds?: string[] | undefined;
}

/**
 * The audit log: one structured JSON line per write and per denied request,
 * on its own stream (not the access log), with `log: "audit"` on every line.
 */
export class AuditLog {
  private readonly logger: Logger;

  /** `destination`: a pino destination (file, fd); default stdout. */
  constructor(destination?: DestinationStream | Logger) {
    this.logger = destination && "child" in destination && typeof (destination as Logger).info === "function"
      ? (destination as Logger).child({ log: "audit" })
      : pino({ base: { log: "audit" }, timestamp: pino.stdTimeFunctions.isoTime }, destination as DestinationStream | undefined);
  }

  record(r: AuditRecord): void {
    this.logger.info({
      event: "audit",
      request_id: r.requestId,
      actor: r.actor,
      tenant: r.tenant,
      action: r.action,
      graph: r.graph,
      branch: r.branch ?? null,
      target_branch: r.targetBranch ?? null,
      route: r.route,
      outcome: r.outcome,
      status: r.status,
      code: r.code,
      commit_id: r.commitId ?? null,
      policy_ids: r.policyIds,
    });
  }
}

/** Which actions write (and are therefore always audited, success or not). */
export const WRITE_ACTIONS: ReadonlySet<Action> = new Set(["change", "schema_apply", "branch_create", "branch_delete", "branch_merge"]);
