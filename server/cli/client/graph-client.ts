/**
 * What a CLI command asks of a graph, answered with OmniGraph's contract JSON
 * (snake_case, exactly what the server's routes answer). Two implementations:
 * {@link ./direct.ts} runs the embedded engine on a storage URL and maps its results
 * with the HTTP layer's own mapping functions; {@link ./http.ts} calls a server. So
 * direct and served modes print the same bytes.
 */
import type { LoadMode } from "../../engine/load/load.ts";

/** A contract JSON object (ReadOutput, ChangeOutput, …) as the routes answer it. */
export type ContractJson = Record<string, unknown>;

export interface QueryCall {
  query: string;
  name?: string | undefined;
  params?: Record<string, unknown> | undefined;
  branch?: string | undefined;
  snapshot?: string | undefined;
}

export interface MutateCall {
  query: string;
  name?: string | undefined;
  params?: Record<string, unknown> | undefined;
  branch?: string | undefined;
  /** `--if-commit`: write only if the branch head is still this commit. */
  ifCommit?: string | undefined;
}

export interface LoadCall {
  /** Path of the NDJSON file (strict parser, as `/load/ndjson`). */
  file: string;
  mode: LoadMode;
  branch?: string | undefined;
  from?: string | undefined;
  /** Called with the bytes read so far (drives the progress bar). */
  onBytes?: ((bytes: number) => void) | undefined;
}

export interface ExportCall {
  branch?: string | undefined;
  snapshot?: string | undefined;
  typeNames: string[];
}

export interface GraphClient {
  /** `SnapshotOutput`. */
  snapshot(t: { branch?: string | undefined; snapshot?: string | undefined }): Promise<ContractJson>;
  /** `ReadOutput`. */
  query(c: QueryCall): Promise<ContractJson>;
  /** `ChangeOutput`. */
  mutate(c: MutateCall): Promise<ContractJson>;
  /** `GraphBatchLoadOutput` (the strict `/load/ndjson` answer). */
  load(c: LoadCall): Promise<ContractJson>;
  /** NDJSON lines, each without its newline, streamed. */
  exportLines(c: ExportCall): AsyncIterable<string>;
  /** `{branches: string[]}`. */
  listBranches(): Promise<ContractJson>;
  /** `BranchCreateOutput`. */
  createBranch(name: string, from: string | undefined): Promise<ContractJson>;
  /** `BranchDeleteOutput`. */
  deleteBranch(name: string): Promise<ContractJson>;
  /** `BranchMergeOutput`. */
  merge(source: string, target: string | undefined, deleteBranch: boolean): Promise<ContractJson>;
  /** `{commits: CommitOutput[]}`, newest first. */
  listCommits(branch: string | undefined): Promise<ContractJson>;
  /** `CommitOutput`. */
  showCommit(id: string): Promise<ContractJson>;
  /** `{schema_source}`. */
  showSchema(): Promise<ContractJson>;
  /** `SchemaApplyOutput`. */
  applySchema(source: string, allowDataLoss: boolean): Promise<ContractJson>;
  close(): Promise<void>;
}
