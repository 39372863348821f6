/**
 * OmniGraph's Cedar model (omnigraph-api.md §6.4): namespace `Omnigraph`, actors
 * in groups, per-graph actions on `Graph::"<graph_id>"`, `graph_list` on
 * `Server::"root"`, and one shared context record. Missing strings are `""`.
 */
export const OMNIGRAPH_CEDAR_SCHEMA = `namespace Omnigraph {
  entity Group;
  entity Actor in [Group];
  entity Graph;
  entity Server;
  type BranchContext = {
    has_branch: Bool,
    branch: String,
    has_target_branch: Bool,
    target_branch: String,
    branch_is_protected: Bool,
    target_branch_is_protected: Bool,
  };
  action "read", "export", "change", "schema_apply", "branch_create", "branch_delete", "branch_merge", "admin", "invoke_query"
    appliesTo { principal: Actor, resource: Graph, context: BranchContext };
  action "graph_list"
    appliesTo { principal: Actor, resource: Server, context: BranchContext };
}
`;

/** The context record every decision is made with. */
export interface BranchContext {
  has_branch: boolean;
  branch: string;
  has_target_branch: boolean;
  target_branch: string;
  branch_is_protected: boolean;
  target_branch_is_protected: boolean;
  [key: string]: boolean | string;
}

/** Whether `branch` is protected: exact names, or a pattern ending in `*` matching by prefix. */
export function isProtectedBranch(branch: string, protectedBranches: readonly string[]): boolean {
  return protectedBranches.some((p) => (p.endsWith("*") ? branch.startsWith(p.slice(0, -1)) : p === branch));
}

/** Builds the context of one request. */
export function branchContext(branch: string | null, targetBranch: string | null, protectedBranches: readonly string[]): BranchContext {
  return {
    has_branch: branch !== null,
    branch: branch ?? "",
    has_target_branch: targetBranch !== null,
    target_branch: targetBranch ?? "",
    branch_is_protected: branch !== null && isProtectedBranch(branch, protectedBranches),
    target_branch_is_protected: targetBranch !== null && isProtectedBranch(targetBranch, protectedBranches),
  };
}
