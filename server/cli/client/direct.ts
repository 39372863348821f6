/**
 * Direct mode: the {@link GraphClient} over an embedded engine on a storage URL. The
 * graph lives where the server would put it (`graphs/<id>` under the store root,
 * server/store/layout.ts), and every answer goes through the HTTP layer's own
 * contract mappers (server/http/contract/map.ts), so direct and served modes print
 * the same JSON.
 */
import { createReadStream } from "node:fs";
import type { ObjectStore } from "../../../drivers/contract.ts";
import { openStoreLazily } from "../../../drivers/open-lazily.ts";
import type { CliEnvironment } from "../environment.ts";
import { GraphEngine } from "../../engine/engine.ts";
import { planMigration } from "../../engine/schema/migrate.ts";
import * as contract from "../../http/contract/map.ts";
import { Graph } from "../../store/graph.ts";
import { locateGraph, type GraphLocation } from "../../store/layout.ts";
import type { DirectAddress } from "../address.ts";
import type { ContractJson, ExportCall, GraphClient, LoadCall, MutateCall, QueryCall } from "./graph-client.ts";

/** Retry policy of direct-mode stores: a few quick retries, then the typed error. */
const DIRECT_RETRY = { maxAttempts: 4, baseDelayMs: 50, maxDelayMs: 1000 };

/** Opens the store and locates the graph of a direct address (nothing read yet). */
export async function locateDirect(address: DirectAddress, env: Pick<CliEnvironment, "s3Defaults">): Promise<{ store: ObjectStore; loc: GraphLocation }> {
  const store = await openStoreLazily(address.storeUrl, { retry: DIRECT_RETRY, requestTimeoutMs: 30_000, s3Defaults: env.s3Defaults });
  return { store, loc: locateGraph({ kind: "prefix-per-tenant", store }, undefined, address.graphId) };
}

/** Counts bytes as an input stream is consumed (the load progress bar). */
async function* counted(source: AsyncIterable<Buffer>, onBytes: ((n: number) => void) | undefined): AsyncIterable<Uint8Array> {
  let n = 0;
  for await (const chunk of source) {
    n += chunk.length;
    onBytes?.(n);
    yield chunk;
  }
}

/** Splits an engine export stream (chunks of whole lines) into lines. */
async function* lines(chunks: AsyncIterable<string>): AsyncIterable<string> {
  for await (const chunk of chunks) {
    for (const line of chunk.split("\n")) if (line !== "") yield line;
  }
}

export class DirectGraphClient implements GraphClient {
  constructor(readonly engine: GraphEngine, private readonly store: ObjectStore, private readonly actor: string | null) {}

  get graph(): Graph {
    return this.engine.graph;
  }

  async snapshot(t: { branch?: string | undefined; snapshot?: string | undefined }): Promise<ContractJson> {
    return contract.toSnapshotOutput(await this.engine.describe(t));
  }

  async query(c: QueryCall): Promise<ContractJson> {
    return contract.toReadOutput(await this.engine.query({ query: c.query, name: c.name, params: c.params ?? {}, branch: c.branch, snapshot: c.snapshot }));
  }

  async mutate(c: MutateCall): Promise<ContractJson> {
    return contract.toChangeOutput(await this.engine.mutate({ query: c.query, name: c.name, params: c.params ?? {}, branch: c.branch, expectCommit: c.ifCommit, actor: this.actor }));
  }

  async load(c: LoadCall): Promise<ContractJson> {
    const input = counted(createReadStream(c.file) as AsyncIterable<Buffer>, c.onBytes);
    const r = await this.engine.load({ input, mode: c.mode, branch: c.branch, from: c.from, strict: true, actor: this.actor });
    return contract.toGraphBatchLoadOutput(r);
  }

  async *exportLines(c: ExportCall): AsyncIterable<string> {
    const snap = await this.engine.snapshot({ branch: c.branch, snapshot: c.snapshot });
    yield* lines(this.engine.export(snap, await this.engine.catalogOf(snap), c.typeNames));
  }

  async listBranches(): Promise<ContractJson> {
    return contract.toBranchListOutput(await this.graph.listBranches());
  }

  async createBranch(name: string, from: string | undefined): Promise<ContractJson> {
    await this.graph.createBranch(name, { from: from ?? "main", actor: this.actor });
    return contract.toBranchCreateOutput(this.graph.loc.description(), name, from ?? "main", this.actor);
  }

  async deleteBranch(name: string): Promise<ContractJson> {
    await this.graph.deleteBranch(name, { actor: this.actor });
    return contract.toBranchDeleteOutput(this.graph.loc.description(), name, this.actor);
  }

  async merge(source: string, target: string | undefined, deleteBranch: boolean): Promise<ContractJson> {
    return contract.toBranchMergeOutput(await this.engine.merge({ source, target, deleteBranch, actor: this.actor }));
  }

  async listCommits(branch: string | undefined): Promise<ContractJson> {
    return contract.toCommitListOutput(await this.graph.history(branch ?? "main"));
  }

  async showCommit(id: string): Promise<ContractJson> {
    const { commitInfo } = await import("../../store/branches.ts");
    return contract.toCommitOutput(commitInfo(await this.graph.readCommit(id)));
  }

  async showSchema(): Promise<ContractJson> {
    return contract.toSchemaOutput(await this.engine.schemaSource());
  }

  async applySchema(source: string, allowDataLoss: boolean): Promise<ContractJson> {
    return contract.toSchemaApplyOutput(await this.engine.applySchema({ source, allowDataLoss, actor: this.actor }));
  }

  /** `schema plan`: the migration steps `apply` would run, without writing. */
  async planSchema(source: string, allowDataLoss: boolean): Promise<ContractJson> {
    const snap = await this.engine.snapshot({ branch: "main" });
    const current = snap.schemaHash ? await this.engine.catalogOf(snap) : undefined;
    const { SnapshotReader } = await import("../../engine/storage/reader.ts");
    const reader = new SnapshotReader(snap);
    const plan = planMigration(current, source, {
      allowDataLoss,
      rowCounts: (typeId) => {
        const t = current && [...current.nodes, ...current.edges].find((x) => x.id === typeId);
        return t ? reader.count(t) : 0;
      },
    });
    return { supported: plan.supported, step_count: plan.steps.length, graph_manifest_version: snap.seq, steps: plan.steps.map(contract.toStepOutput) };
  }

  async close(): Promise<void> {
    await this.graph.close();
    await this.store.close();
  }
}

/**
 * Opens a direct client. Reads open the graph read-only (no recovery sweep, no write
 * can happen by mistake); writes open it read-write, which runs the open-time
 * recovery sweep as a single writer does.
 */
export async function openDirectClient(address: DirectAddress, opts: { write: boolean; actor: string | null; create?: boolean; env: Pick<CliEnvironment, "s3Defaults"> }): Promise<DirectGraphClient> {
  const { store, loc } = await locateDirect(address, opts.env);
  try {
    // A one-shot writer beside a running server: fail fast once the holder is seen
    // renewing (it will not let go), instead of waiting out a dead holder's period.
    const graph = await Graph.open(loc, { mode: opts.write ? "read-write" : "read-only", create: opts.create ?? false, actor: opts.actor, lease: { stopWhenRenewed: true }, warn: (m) => process.stderr.write(`omnigraph: warning: ${m}\n`) });
    return new DirectGraphClient(new GraphEngine(graph), store, opts.actor);
  } catch (e) {
    await store.close();
    throw e;
  }
}
