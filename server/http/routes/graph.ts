/**
 * The per-graph routes of OmniGraph v0.10 (tier A), under `/graphs/{graph_id}`.
 * Handlers validate nothing themselves (the pipeline did), call the engine or store,
 * and print through the contract mappers.
 */
import { Readable } from "node:stream";
import type { LoadMode } from "../../engine/load/load.ts";
import { commitInfo } from "../../store/branches.ts";
import {
  toBranchCreateOutput, toBranchDeleteOutput, toBranchListOutput, toBranchMergeOutput, toChangeOutput, toCommitListOutput, toCommitOutput,
  toGraphBatchLoadOutput, toIngestOutput, toLegacyReadOutput, toReadOutput, toSchemaApplyOutput, toSchemaOutput, toSnapshotOutput,
} from "../contract/map.ts";
import {
  BranchCreateOutputSchema, BranchCreateRequestSchema, BranchDeleteOutputSchema, BranchListOutputSchema, BranchMergeOutputSchema, BranchMergeRequestSchema,
  BranchQuerySchema, ChangeOutputSchema, ChangeRequestWithAliases, CommitListOutputSchema, CommitOutputSchema, ExportRequestSchema, GraphBatchLoadOutputSchema,
  IngestOutputSchema, IngestRequestSchema, LegacyReadOutputSchema, LoadNdjsonQuerySchema, QueryRequestSchema, ReadOutputSchema, ReadRequestSchema,
  SchemaApplyOutputSchema, SchemaApplyRequestSchema, SchemaOutputSchema, SnapshotOutputSchema,
  type BranchCreateRequest, type BranchMergeRequest, type ChangeRequest, type ExportRequest, type IngestRequest, type QueryRequest, type ReadRequest, type SchemaApplyRequest,
} from "../contract/schemas.ts";
import { RuntimeError } from "../../runtime/errors.ts";
import { HttpError } from "../http-error.ts";
import { bodyLimit, boundedChunks } from "../middleware/body-limits.ts";
import type { AppDeps, Ctx, RouteSpec } from "../state.ts";
import { actorOf, handleOf, idempotencyKeyOf, inGroupCommit, inWriteQueue, isAllowed, json, markDeprecated, queryBudgetOf, requireAllowed, responses } from "./common.ts";

const IF_GRAPH_COMMIT = "omnigraph-if-graph-commit";
const COMMIT_ID = /^[0-9A-Za-z]{26}$/;

/** `Omnigraph-If-Graph-Commit`: exactly once, a raw commit id (no `*`, `W/`, quotes or lists). */
function ifGraphCommit(ctx: Ctx, required: boolean): string | undefined {
  const v = ctx.req.headersDistinct[IF_GRAPH_COMMIT];
  if (!required) {
    if (v !== undefined) throw new HttpError("ERR_PRECONDITION_HEADER", "Omnigraph-If-Graph-Commit is accepted only on /mutate/if-graph-commit; send the conditional write there");
    return undefined;
  }
  if (v === undefined) throw new HttpError("ERR_PRECONDITION_HEADER", "Omnigraph-If-Graph-Commit is required on this route: send the graph_commit_id your write depends on");
  if (v.length !== 1) throw new HttpError("ERR_PRECONDITION_HEADER", "Omnigraph-If-Graph-Commit must appear exactly once");
  const id = v[0]!.trim();
  if (!COMMIT_ID.test(id)) throw new HttpError("ERR_PRECONDITION_HEADER", "Omnigraph-If-Graph-Commit must be one raw graph commit id (not *, W/, a quoted value or a list)");
  return id;
}

const orMain = (b: string | null | undefined) => b ?? "main";
const G = "/graphs/{graph_id}";
const MUTATE_ERRORS = [400, 401, 403, 404, 409, 413, 424, 429, 500, 503];

async function readBranchOf(ctx: Ctx, snapshot: string | null | undefined, branch: string | null | undefined): Promise<string> {
  if (snapshot && !branch) {
    try {
      return (await handleOf(ctx).graph.readCommit(snapshot)).branch;
    } catch {
      return "main"; // the read itself reports the unknown commit
    }
  }
  return orMain(branch);
}

async function runMutation(ctx: Ctx, deps: AppDeps, route: RouteSpec, expectCommit: string | undefined): Promise<void> {
  const b = ctx.state.body as ChangeRequest;
  markDeprecated(ctx, route);
  const idempotencyKey = idempotencyKeyOf(ctx);
  const out = await inGroupCommit(ctx, deps, { query: b.query, name: b.name ?? undefined, params: b.params ?? {}, branch: orMain(b.branch), actor: actorOf(ctx), expectCommit, idempotencyKey });
  json(ctx, toChangeOutput(out));
}

async function runLoad(ctx: Ctx, deps: AppDeps, req: { input: AsyncIterable<Uint8Array> | string; branch: string; from?: string | undefined; mode?: LoadMode | undefined; strict: boolean }) {
  const h = handleOf(ctx);
  if (req.from !== undefined && !(await h.graph.listBranches()).some((x) => x.name === req.branch)) {
    requireAllowed(ctx, deps, "branch_create", req.from, req.branch);
  }
  const idempotencyKey = idempotencyKeyOf(ctx);
  return inWriteQueue(ctx, deps, "load", (g) => g.engine.load({ ...req, actor: actorOf(ctx), idempotencyKey }));
}

const mutateRoute = (operationId: string, path: string, summary: string, conditional: boolean, successor?: string): RouteSpec => ({
  operationId, method: "POST", path: `${G}${path}`, summary, body: "json", limit: "json", bodySchema: ChangeRequestWithAliases, graph: true, write: true, authenticate: true,
  authz: (ctx) => ({ action: "change", branch: orMain((ctx.state.body as ChangeRequest).branch), targetBranch: null }),
  ...(successor ? { successor } : {}),
  ...(conditional ? { headers: [{ name: "Omnigraph-If-Graph-Commit", required: true, description: "Required raw graph-head commit id." }] } : {}),
  responses: responses({ description: "Mutation results", schema: ChangeOutputSchema }, conditional ? [...MUTATE_ERRORS, 412].sort() : MUTATE_ERRORS),
  handler: async (ctx, deps) => {
    const expect = ifGraphCommit(ctx, conditional);
    await runMutation(ctx, deps, ctx.state.route!, expect);
  },
});

const loadRoute = (operationId: string, path: string, summary: string, successor?: string): RouteSpec => ({
  operationId, method: "POST", path: `${G}${path}`, summary, body: "json", limit: "load", bodySchema: IngestRequestSchema, graph: true, write: true, authenticate: true,
  authz: (ctx) => ({ action: "change", branch: orMain((ctx.state.body as IngestRequest).branch), targetBranch: null }),
  ...(successor ? { successor } : {}),
  responses: responses({ description: "Load results", schema: IngestOutputSchema }, MUTATE_ERRORS),
  handler: async (ctx, deps) => {
    const b = ctx.state.body as IngestRequest;
    markDeprecated(ctx, ctx.state.route!);
    const out = await runLoad(ctx, deps, { input: b.data, branch: orMain(b.branch), from: b.from ?? undefined, mode: b.mode ?? undefined, strict: false });
    json(ctx, toIngestOutput(out));
  },
});

export const GRAPH_ROUTES: RouteSpec[] = [
  {
    operationId: "cluster_getSnapshot", method: "GET", path: `${G}/snapshot`, summary: "Describe a branch head: manifest version and datasets.",
    body: "none", querySchema: BranchQuerySchema, graph: true, write: false, authenticate: true,
    authz: (ctx) => ({ action: "read", branch: orMain((ctx.state.query as { branch?: string }).branch), targetBranch: null }),
    responses: responses({ description: "Snapshot", schema: SnapshotOutputSchema }, [401, 403, 404, 503]),
    handler: async (ctx) => {
      json(ctx, toSnapshotOutput(await handleOf(ctx).engine.describe({ branch: orMain((ctx.state.query as { branch?: string }).branch) })));
    },
  },
  {
    operationId: "cluster_query", method: "POST", path: `${G}/query`, summary: "Run a read query.",
    body: "json", limit: "json", bodySchema: QueryRequestSchema, graph: true, write: false, authenticate: true,
    authz: async (ctx) => {
      const b = ctx.state.body as QueryRequest;
      return { action: "read", branch: await readBranchOf(ctx, b.snapshot, b.branch), targetBranch: null };
    },
    responses: responses({ description: "Query results", schema: ReadOutputSchema }, [400, 401, 403, 404, 503]),
    handler: async (ctx, deps) => {
      const b = ctx.state.body as QueryRequest;
      const out = await handleOf(ctx).engine.query({ query: b.query, name: b.name ?? undefined, params: b.params ?? {}, branch: b.branch ?? undefined, snapshot: b.snapshot ?? undefined, budget: queryBudgetOf(ctx, deps) });
      json(ctx, toReadOutput(out));
    },
  },
  {
    operationId: "cluster_read", method: "POST", path: `${G}/read`, summary: "Run a query (deprecated: use /query, or /mutate for mutations).",
    body: "json", limit: "json", bodySchema: ReadRequestSchema, graph: true, write: false, authenticate: true, successor: "query",
    authz: async (ctx) => {
      const b = ctx.state.body as ReadRequest;
      const h = handleOf(ctx);
      let mutation = false;
      try {
        mutation = await h.engine.isMutation({ query: b.query_source, name: b.query_name ?? undefined, branch: b.branch ?? undefined, snapshot: b.snapshot ?? undefined });
      } catch {
        // the handler reports the parse or type error
      }
      return mutation ? { action: "change", branch: orMain(b.branch), targetBranch: null } : { action: "read", branch: await readBranchOf(ctx, b.snapshot, b.branch), targetBranch: null };
    },
    responses: responses({ description: "Query results", schema: LegacyReadOutputSchema }, [400, 401, 403, 404, 503]),
    handler: async (ctx, deps) => {
      const b = ctx.state.body as ReadRequest;
      markDeprecated(ctx, ctx.state.route!);
      const h = handleOf(ctx);
      if (ctx.state.authz?.action === "change") {
        // v0.10's /read still runs mutations; the legacy envelope reports the counts as one row.
        if (deps.config.role === "reader") {
          throw new RuntimeError("ERR_WRITE_ON_READER", `this server is a read replica and does not accept writes${deps.config.writer_url ? `; send writes to ${deps.config.writer_url}` : ""}`, deps.config.writer_url ? { writer_url: deps.config.writer_url } : {});
        }
        const out = await inGroupCommit(ctx, deps, { query: b.query_source, name: b.query_name ?? undefined, params: b.params ?? {}, branch: orMain(b.branch), actor: actorOf(ctx) });
        json(ctx, { query_name: out.queryName, target: { branch: out.branch, snapshot: null }, row_count: 1, columns: ["affected_nodes", "affected_edges"], rows: [{ affected_nodes: out.affectedNodes, affected_edges: out.affectedEdges }] });
        return;
      }
      const out = await h.engine.query({ query: b.query_source, name: b.query_name ?? undefined, params: b.params ?? {}, branch: b.branch ?? undefined, snapshot: b.snapshot ?? undefined, budget: queryBudgetOf(ctx, deps) });
      json(ctx, toLegacyReadOutput(out));
    },
  },
  mutateRoute("cluster_mutate", "/mutate", "Apply a mutation as one commit.", false),
  mutateRoute("cluster_mutate_if_graph_commit", "/mutate/if-graph-commit", "Apply a mutation only while the branch still has the required graph head.", true),
  mutateRoute("cluster_change", "/change", "Apply a mutation (deprecated: use /mutate).", false, "mutate"),
  loadRoute("cluster_load", "/load", "Load NDJSON (in a JSON body) as one commit."),
  {
    operationId: "cluster_loadNdjson", method: "POST", path: `${G}/load/ndjson`, summary: "Load one strict raw NDJSON batch as one commit.",
    body: "ndjson", limit: "load", querySchema: LoadNdjsonQuerySchema, graph: true, write: true, authenticate: true,
    authz: (ctx) => ({ action: "change", branch: orMain((ctx.state.query as { branch?: string }).branch), targetBranch: null }),
    responses: responses({ description: "One committed graph-batch result", schema: GraphBatchLoadOutputSchema }, [400, 401, 403, 404, 409, 413, 415, 424, 429, 500, 503]),
    handler: async (ctx, deps) => {
      const q = ctx.state.query as { branch?: string; from?: string; mode?: LoadMode };
      const { limit, resource } = bodyLimit(ctx.state.route!, deps.config.limits);
      const out = await runLoad(ctx, deps, { input: boundedChunks(ctx, limit, resource), branch: orMain(q.branch), from: q.from, mode: q.mode, strict: true });
      json(ctx, toGraphBatchLoadOutput(out));
    },
  },
  loadRoute("cluster_ingest", "/ingest", "Load NDJSON (deprecated: use /load).", "load"),
  {
    operationId: "cluster_getSchema", method: "GET", path: `${G}/schema`, summary: "The accepted schema source.",
    body: "none", graph: true, write: false, authenticate: true, authz: () => ({ action: "read", branch: null, targetBranch: null }),
    responses: responses({ description: "Schema source", schema: SchemaOutputSchema }, [401, 403, 404, 503]),
    handler: async (ctx) => json(ctx, toSchemaOutput(await handleOf(ctx).engine.schemaSource())),
  },
  {
    operationId: "cluster_applySchema", method: "POST", path: `${G}/schema/apply`, summary: "Apply a new schema to main as one commit (works in every mode, unlike OmniGraph's cluster serving).",
    body: "json", limit: "json", bodySchema: SchemaApplyRequestSchema, graph: true, write: true, authenticate: true,
    authz: () => ({ action: "schema_apply", branch: null, targetBranch: "main" }),
    responses: responses({ description: "Schema apply result", schema: SchemaApplyOutputSchema }, [400, 401, 403, 404, 409, 429, 500, 503]),
    handler: async (ctx, deps) => {
      const b = ctx.state.body as SchemaApplyRequest;
      const idempotencyKey = idempotencyKeyOf(ctx);
      const out = await inWriteQueue(ctx, deps, "schema", async (h) => {
        const r = await h.engine.applySchema({ source: b.schema_source, allowDataLoss: b.allow_data_loss ?? false, actor: actorOf(ctx), idempotencyKey });
        return { ...r, commit: r.applied ? true : undefined };
      });
      json(ctx, toSchemaApplyOutput(out));
    },
  },
  {
    operationId: "cluster_listBranches", method: "GET", path: `${G}/branches`, summary: "List branches, sorted.",
    body: "none", graph: true, write: false, authenticate: true, authz: () => ({ action: "read", branch: null, targetBranch: null }),
    responses: responses({ description: "Branches", schema: BranchListOutputSchema }, [401, 403, 404, 503]),
    handler: async (ctx) => json(ctx, toBranchListOutput(await handleOf(ctx).graph.listBranches())),
  },
  {
    operationId: "cluster_createBranch", method: "POST", path: `${G}/branches`, summary: "Create a branch from another branch's head.",
    body: "json", limit: "json", bodySchema: BranchCreateRequestSchema, graph: true, write: true, authenticate: true,
    authz: (ctx) => {
      const b = ctx.state.body as BranchCreateRequest;
      return { action: "branch_create", branch: orMain(b.from), targetBranch: b.name };
    },
    responses: responses({ description: "Branch created", schema: BranchCreateOutputSchema }, [400, 401, 403, 404, 409, 429, 500, 503]),
    handler: async (ctx, deps) => {
      const b = ctx.state.body as BranchCreateRequest;
      const from = orMain(b.from);
      const idempotencyKey = idempotencyKeyOf(ctx);
      const h = handleOf(ctx);
      await inWriteQueue(ctx, deps, "branch_create", async (g) => ({ commit: await g.graph.createBranch(b.name, { from, actor: actorOf(ctx), idempotencyKey }) }));
      json(ctx, toBranchCreateOutput(h.uri, b.name, from, actorOf(ctx)));
    },
  },
  {
    operationId: "cluster_mergeBranches", method: "POST", path: `${G}/branches/merge`, summary: "Merge a branch into another (default main).",
    body: "json", limit: "json", bodySchema: BranchMergeRequestSchema, graph: true, write: true, authenticate: true,
    authz: (ctx) => {
      const b = ctx.state.body as BranchMergeRequest;
      return { action: "branch_merge", branch: b.source, targetBranch: orMain(b.target) };
    },
    responses: responses({ description: "Merge result", schema: BranchMergeOutputSchema }, [400, 401, 403, 404, 409, 413, 424, 429, 500, 503]),
    handler: async (ctx, deps) => {
      const b = ctx.state.body as BranchMergeRequest;
      let deleteBranch = b.delete_branch ?? false;
      let refusal: string | undefined;
      if (deleteBranch) {
        const d = isAllowed(ctx, deps, "branch_delete", null, b.source);
        if (!d.allowed) {
          deleteBranch = false;
          refusal = `not allowed to delete branch '${b.source}'${d.reason ? `: ${d.reason}` : ""}`;
        }
      }
      const idempotencyKey = idempotencyKeyOf(ctx);
      const out = await inWriteQueue(ctx, deps, "merge", (h) => h.engine.merge({ source: b.source, target: orMain(b.target), deleteBranch, actor: actorOf(ctx), idempotencyKey }));
      if (refusal) {
        out.branchDeleted = false;
        out.branchDeleteError = refusal;
      }
      json(ctx, toBranchMergeOutput(out));
    },
  },
  {
    operationId: "cluster_deleteBranch", method: "DELETE", path: `${G}/branches/{branch}`, summary: "Delete a branch (names may contain '/').",
    body: "none", graph: true, write: true, authenticate: true,
    authz: (ctx) => ({ action: "branch_delete", branch: null, targetBranch: branchParam(ctx) }),
    responses: responses({ description: "Branch deleted", schema: BranchDeleteOutputSchema }, [400, 401, 403, 404, 409, 429, 500, 503]),
    handler: async (ctx, deps) => {
      const name = branchParam(ctx);
      const idempotencyKey = idempotencyKeyOf(ctx);
      const h = handleOf(ctx);
      await inWriteQueue(ctx, deps, "branch_delete", async (g) => ({ commit: await g.graph.deleteBranch(name, { actor: actorOf(ctx), idempotencyKey }) }));
      json(ctx, toBranchDeleteOutput(h.uri, name, actorOf(ctx)));
    },
  },
  {
    operationId: "cluster_listCommits", method: "GET", path: `${G}/commits`, summary: "Commits of a branch, newest first.",
    body: "none", querySchema: BranchQuerySchema, graph: true, write: false, authenticate: true,
    authz: (ctx) => ({ action: "read", branch: orMain((ctx.state.query as { branch?: string }).branch), targetBranch: null }),
    responses: responses({ description: "Commits", schema: CommitListOutputSchema }, [400, 401, 403, 404, 503]),
    handler: async (ctx) => json(ctx, toCommitListOutput(await handleOf(ctx).graph.history(orMain((ctx.state.query as { branch?: string }).branch)))),
  },
  {
    operationId: "cluster_getCommit", method: "GET", path: `${G}/commits/{commit_id}`, summary: "One commit.",
    body: "none", graph: true, write: false, authenticate: true, authz: () => ({ action: "read", branch: null, targetBranch: null }),
    responses: responses({ description: "Commit", schema: CommitOutputSchema }, [401, 403, 404, 503]),
    handler: async (ctx) => {
      const id = String((ctx as unknown as { params: Record<string, string> }).params.commit_id);
      json(ctx, toCommitOutput(commitInfo(await handleOf(ctx).graph.readCommit(id))));
    },
  },
  {
    operationId: "cluster_export", method: "POST", path: `${G}/export`, summary: "Stream a branch as NDJSON (backpressured).",
    body: "json", limit: "json", bodySchema: ExportRequestSchema, graph: true, write: false, authenticate: true,
    authz: (ctx) => ({ action: "export", branch: orMain((ctx.state.body as ExportRequest).branch), targetBranch: null }),
    responses: responses({ description: "Exported data as NDJSON", contentType: "application/x-ndjson" }, [400, 401, 403, 404, 409, 413, 415, 503]),
    handler: async (ctx, deps) => {
      const b = ctx.state.body as ExportRequest;
      const h = handleOf(ctx);
      const snap = await h.engine.snapshot({ branch: orMain(b.branch) });
      const lines = h.engine.export(snap, await h.engine.catalogOf(snap), b.type_names ?? [])[Symbol.asyncIterator]();
      // Pull the first chunk before answering, so an unknown type is still a JSON error.
      const first = await lines.next();
      const lease = ctx.state.lease!;
      ctx.state.leaseTaken = true;
      async function* rest(): AsyncGenerator<string> {
        if (!first.done) yield first.value;
        for (let r = await lines.next(); !r.done; r = await lines.next()) yield r.value;
      }
      const stream = Readable.from(rest(), { objectMode: false, highWaterMark: 64 * 1024 });
      const done = () => lease.release();
      stream.once("close", done);
      stream.once("error", (e) => deps.log.error({ request_id: ctx.state.requestId, err: e }, "export stream failed"));
      ctx.status = 200;
      ctx.type = "application/x-ndjson; charset=utf-8";
      ctx.body = stream;
    },
  },
];

function branchParam(ctx: Ctx): string {
  const p = (ctx as unknown as { params: Record<string, string | string[]> }).params.branch;
  return Array.isArray(p) ? p.join("/") : String(p ?? "");
}
