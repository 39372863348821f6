/**
 * OmniGraph v0.10 HTTP shapes as zod schemas (snake_case, exactly the contract's
 * field names). Requests are validated with these at the edge; the OpenAPI document
 * (`/openapi.json`) is generated from the same schemas; responses are built by the
 * pure mappers in `map.ts` and typed by the inferred types here.
 */
import { extendZodWithOpenApi } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";

extendZodWithOpenApi(z);

const nullableString = () => z.string().nullable().optional();
/**
 * `oneOf: [null, $ref]` exactly as OmniGraph writes it (zod-to-openapi would mark the
 * referenced component itself nullable for `.nullable()`).
 */
const orNull = <T extends z.ZodType>(schema: T) => z.union([z.null(), schema]);

// ---------- shared ----------

export const EntityKindSchema = z.enum(["node", "edge"]).openapi("EntityKindOutput", { description: "Logical graph entity namespace." });
export const LoadModeSchema = z.enum(["overwrite", "append", "merge"]).openapi("LoadMode");
export const ErrorCodeSchema = z
  .enum(["unauthorized", "forbidden", "bad_request", "not_found", "method_not_allowed", "conflict", "too_many_requests", "internal"])
  .openapi("ErrorCode");
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

// ---------- requests ----------

export const QueryRequestSchema = z
  .object({
    query: z.string().openapi({ description: "GQ read-query source; mutations get 400 (use `POST /mutate`)." }),
    name: nullableString(),
    params: z.unknown().optional().openapi({ description: "JSON object whose keys match the query's declared parameters." }),
    branch: nullableString(),
    snapshot: nullableString(),
  })
  .openapi("QueryRequest");
export type QueryRequest = z.infer<typeof QueryRequestSchema>;

export const ReadRequestSchema = z
  .object({
    query_source: z.string(),
    query_name: nullableString(),
    params: z.unknown().optional(),
    branch: nullableString(),
    snapshot: nullableString(),
  })
  .openapi("ReadRequest");
export type ReadRequest = z.infer<typeof ReadRequestSchema>;

export const ChangeRequestSchema = z
  .object({
    query: z.string().openapi({ description: "GQ mutation source. Accepts the legacy field name `query_source`." }),
    name: nullableString().openapi({ description: "Mutation to run. Accepts the legacy field name `query_name`." }),
    params: z.unknown().optional(),
    branch: nullableString(),
  })
  .openapi("ChangeRequest");
export type ChangeRequest = z.infer<typeof ChangeRequestSchema>;

/** `ChangeRequest` with its legacy aliases (`query_source`, `query_name`) folded in first. */
export const ChangeRequestWithAliases = z.preprocess((raw) => {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return raw;
  const o = { ...(raw as Record<string, unknown>) };
  if (o.query === undefined && o.query_source !== undefined) o.query = o.query_source;
  if (o.name === undefined && o.query_name !== undefined) o.name = o.query_name;
  delete o.query_source;
  delete o.query_name;
  return o;
}, ChangeRequestSchema);

export const IngestRequestSchema = z
  .object({
    data: z.string().openapi({ description: "NDJSON payload: one record per line." }),
    branch: nullableString(),
    from: nullableString(),
    mode: orNull(LoadModeSchema).optional(),
  })
  .openapi("IngestRequest");
export type IngestRequest = z.infer<typeof IngestRequestSchema>;

export const LoadNdjsonQuerySchema = z.object({
  branch: z.string().optional(),
  from: z.string().optional(),
  mode: LoadModeSchema.optional(),
});

export const SchemaApplyRequestSchema = z
  .object({ schema_source: z.string(), allow_data_loss: z.boolean().optional() })
  .openapi("SchemaApplyRequest");
export type SchemaApplyRequest = z.infer<typeof SchemaApplyRequestSchema>;

export const BranchCreateRequestSchema = z
  .object({ name: z.string(), from: nullableString() })
  .openapi("BranchCreateRequest");
export type BranchCreateRequest = z.infer<typeof BranchCreateRequestSchema>;

export const BranchMergeRequestSchema = z
  .object({ source: z.string(), target: nullableString(), delete_branch: z.boolean().optional() })
  .openapi("BranchMergeRequest");
export type BranchMergeRequest = z.infer<typeof BranchMergeRequestSchema>;

export const ExportRequestSchema = z
  .strictObject({ branch: nullableString(), type_names: z.array(z.string()).optional() })
  .openapi("ExportRequest");
export type ExportRequest = z.infer<typeof ExportRequestSchema>;

export const BranchQuerySchema = z.object({ branch: z.string().optional() });

// ---------- responses ----------

export const HealthOutputSchema = z
  .object({
    status: z.string(),
    version: z.string(),
    internal_schema_version: z.number().int().min(0),
    source_version: z.string().nullable().optional(),
  })
  .openapi("HealthOutput");
export type HealthOutput = z.infer<typeof HealthOutputSchema>;

export const GraphInfoSchema = z.object({ graph_id: z.string(), uri: z.string() }).openapi("GraphInfo");
/** Our extension: `quarantined` lists graphs whose open-time recovery failed (their routes answer 503). */
export const QuarantinedGraphSchema = z.object({ graph_id: z.string(), code: z.string(), error: z.string() }).openapi("QuarantinedGraph");
export const GraphListResponseSchema = z
  .object({ graphs: z.array(GraphInfoSchema), quarantined: z.array(QuarantinedGraphSchema).optional() })
  .openapi("GraphListResponse");
export type GraphListResponse = z.infer<typeof GraphListResponseSchema>;

export const CommitOutputSchema = z
  .object({
    graph_commit_id: z.string(),
    graph_branch: z.string().nullable().optional(),
    graph_manifest_version: z.number().int().min(0),
    parent_commit_id: z.string().nullable().optional(),
    merged_parent_commit_id: z.string().nullable().optional(),
    actor_id: z.string().nullable().optional(),
    created_at: z.number().int().openapi({ description: "Commit creation time as Unix epoch microseconds." }),
  })
  .openapi("CommitOutput");
export type CommitOutput = z.infer<typeof CommitOutputSchema>;

export const CommitListOutputSchema = z.object({ commits: z.array(CommitOutputSchema) }).openapi("CommitListOutput");
export type CommitListOutput = z.infer<typeof CommitListOutputSchema>;

export const ReadTargetOutputSchema = z
  .object({ branch: z.string().nullable().optional(), snapshot: z.string().nullable().optional() })
  .openapi("ReadTargetOutput");

export const ReadOutputSchema = z
  .object({
    query_name: z.string(),
    target: ReadTargetOutputSchema,
    row_count: z.number().int().min(0),
    columns: z.array(z.string()).optional(),
    rows: z.unknown().nonoptional(),
    graph_commit_id: z.string().nullable().optional(),
  })
  .openapi("ReadOutput");
export type ReadOutput = z.infer<typeof ReadOutputSchema>;

export const LegacyReadOutputSchema = z
  .object({
    query_name: z.string(),
    target: ReadTargetOutputSchema,
    row_count: z.number().int().min(0),
    columns: z.array(z.string()).optional(),
    rows: z.unknown().nonoptional(),
  })
  .openapi("LegacyReadOutput");
export type LegacyReadOutput = z.infer<typeof LegacyReadOutputSchema>;

export const ChangeOutputSchema = z
  .object({
    branch: z.string(),
    query_name: z.string(),
    affected_nodes: z.number().int().min(0),
    affected_edges: z.number().int().min(0),
    actor_id: z.string().nullable().optional(),
      commit: orNull(CommitOutputSchema).optional(),
  })
  .openapi("ChangeOutput");
export type ChangeOutput = z.infer<typeof ChangeOutputSchema>;

export const GraphBatchDeclarationOutputSchema = z
  .object({ name: z.string(), entities_loaded: z.number().int().min(0) })
  .openapi("GraphBatchDeclarationOutput");

const loadFields = {
  branch: z.string(),
  base_branch: z.string().nullable().optional(),
  branch_created: z.boolean(),
  mode: LoadModeSchema,
  nodes: z.array(GraphBatchDeclarationOutputSchema),
  edges: z.array(GraphBatchDeclarationOutputSchema),
  total_entities: z.number().int().min(0),
  actor_id: z.string().nullable().optional(),
  commit: orNull(CommitOutputSchema).optional(),
};
export const IngestOutputSchema = z.object({ uri: z.string(), ...loadFields }).openapi("IngestOutput");
export type IngestOutput = z.infer<typeof IngestOutputSchema>;
export const GraphBatchLoadOutputSchema = z.object(loadFields).openapi("GraphBatchLoadOutput");
export type GraphBatchLoadOutput = z.infer<typeof GraphBatchLoadOutputSchema>;

export const SnapshotDatasetOutputSchema = z
  .object({
    entity_kind: EntityKindSchema,
    type_name: z.string(),
    dataset_path: z.string(),
    published_dataset_version: z.number().int().min(0),
    entity_count: z.number().int().min(0),
    native_dataset_branch: z.string().nullable().optional(),
  })
  .openapi("SnapshotDatasetOutput");
export const SnapshotOutputSchema = z
  .object({
    graph_branch: z.string(),
    graph_manifest_version: z.number().int().min(0),
    internal_schema_version: z.number().int().min(0),
    datasets: z.array(SnapshotDatasetOutputSchema),
  })
  .openapi("SnapshotOutput");
export type SnapshotOutput = z.infer<typeof SnapshotOutputSchema>;

export const SchemaOutputSchema = z.object({ schema_source: z.string() }).openapi("SchemaOutput");
export type SchemaOutput = z.infer<typeof SchemaOutputSchema>;

export const SchemaApplyOutputSchema = z
  .object({
    uri: z.string(),
    supported: z.boolean(),
    applied: z.boolean(),
    step_count: z.number().int().min(0),
    graph_manifest_version: z.number().int().min(0),
    steps: z.array(z.unknown()),
  })
  .openapi("SchemaApplyOutput");
export type SchemaApplyOutput = z.infer<typeof SchemaApplyOutputSchema>;

export const BranchListOutputSchema = z.object({ branches: z.array(z.string()) }).openapi("BranchListOutput");
export type BranchListOutput = z.infer<typeof BranchListOutputSchema>;
export const BranchCreateOutputSchema = z
  .object({ uri: z.string(), from: z.string(), name: z.string(), actor_id: z.string().nullable().optional() })
  .openapi("BranchCreateOutput");
export type BranchCreateOutput = z.infer<typeof BranchCreateOutputSchema>;
export const BranchDeleteOutputSchema = z
  .object({ uri: z.string(), name: z.string(), actor_id: z.string().nullable().optional() })
  .openapi("BranchDeleteOutput");
export type BranchDeleteOutput = z.infer<typeof BranchDeleteOutputSchema>;

export const BranchMergeOutcomeSchema = z.enum(["already_up_to_date", "fast_forward", "merged"]).openapi("BranchMergeOutcome");
export const BranchMergeOutputSchema = z
  .object({
    source: z.string(),
    target: z.string(),
    outcome: BranchMergeOutcomeSchema,
    actor_id: z.string().nullable().optional(),
    branch_deleted: z.boolean().nullable().optional(),
    branch_delete_error: z.string().nullable().optional(),
  })
  .openapi("BranchMergeOutput");
export type BranchMergeOutput = z.infer<typeof BranchMergeOutputSchema>;

// ---------- errors ----------

export const MergeConflictKindSchema = z
  .enum(["divergent_insert", "divergent_update", "delete_vs_update", "orphan_edge", "unique_violation", "cardinality_violation", "value_constraint_violation"])
  .openapi("MergeConflictKindOutput");
export const MergeConflictOutputSchema = z
  .object({ entity_kind: EntityKindSchema, type_name: z.string(), entity_id: z.string().nullable().optional(), kind: MergeConflictKindSchema, message: z.string() })
  .openapi("MergeConflictOutput");
export const KeyConflictOutputSchema = z
  .object({ entity_kind: EntityKindSchema, type_name: z.string(), entity_id: z.string().nullable().optional() })
  .openapi("KeyConflictOutput");
export const ReadSetConflictOutputSchema = z
  .object({ member: z.string(), expected: z.string().nullable().optional(), actual: z.string().nullable().optional() })
  .openapi("ReadSetConflictOutput");
export const PublishedDatasetVersionConflictOutputSchema = z
  .object({
    entity_kind: EntityKindSchema,
    type_name: z.string(),
    expected_published_dataset_version: z.number().int().min(0),
    actual_published_dataset_version: z.number().int().min(0),
  })
  .openapi("PublishedDatasetVersionConflictOutput");
export const PreconditionFailureOutputSchema = z
  .object({ expected: z.string(), actual: z.string().nullable().optional() })
  .openapi("PreconditionFailureOutput");
export const ResourceLimitOutputSchema = z
  .object({ resource: z.string(), limit: z.number().int().min(0), actual: z.number().int().min(0) })
  .openapi("ResourceLimitOutput");
export const RecoveryRequiredOutputSchema = z.object({ operation_id: z.string() }).openapi("RecoveryRequiredOutput");

// Tier-B detail fields: never set by this server, declared so the document matches OmniGraph's.
export const BlobRangeOutputSchema = z.object({ start: z.number().int().min(0), end: z.number().int().min(0), length: z.number().int().min(0) }).openapi("BlobRangeOutput");
export const ChangeDiffRefusalOutputSchema = z
  .object({ reason: z.enum(["parentless_commit", "schema_boundary", "unknown"]).openapi("ChangeDiffRefusalReason"), graph_commit_id: z.string(), type_name: z.string().nullable().optional() })
  .openapi("ChangeDiffRefusalOutput");
export const ChangeFeedGapOutputSchema = z.object({ cursor: z.string().nullable().optional(), first_unreadable_commit_id: z.string() }).openapi("ChangeFeedGapOutput");
export const ExternalBlobSourceOutputSchema = z.object({ uri: z.string(), reason: z.string() }).openapi("ExternalBlobSourceOutput");

export const ErrorOutputSchema = z
  .object({
    error: z.string(),
    code: orNull(ErrorCodeSchema).optional(),
    merge_conflicts: z.array(MergeConflictOutputSchema).optional(),
    key_conflict: orNull(KeyConflictOutputSchema).optional(),
    read_set_conflict: orNull(ReadSetConflictOutputSchema).optional(),
    published_dataset_version_conflict: orNull(PublishedDatasetVersionConflictOutputSchema).optional(),
    precondition_failure: orNull(PreconditionFailureOutputSchema).optional(),
    resource_limit: orNull(ResourceLimitOutputSchema).optional(),
    recovery_required: orNull(RecoveryRequiredOutputSchema).optional(),
    blob_range: orNull(BlobRangeOutputSchema).optional(),
    change_diff_refusal: orNull(ChangeDiffRefusalOutputSchema).optional(),
    change_feed_gap: orNull(ChangeFeedGapOutputSchema).optional(),
    external_blob_source: orNull(ExternalBlobSourceOutputSchema).optional(),
    // Our extensions (README "Server: extensions").
    error_code: z.string().optional().openapi({ description: "Our stable typed error code (ERR_…); clients branch on it." }),
    request_id: z.string().optional().openapi({ description: "The request id (x-request-id), for support." }),
    writer_url: z.string().optional().openapi({ description: "A reader refusing a write names its writer here." }),
  })
  .openapi("ErrorOutput");
export type ErrorOutput = z.infer<typeof ErrorOutputSchema>;

// ---------- our extensions (not in OmniGraph v0.10) ----------

/** `/readyz` (OmniGraph RFC 0049 shape). */
export const ReadyOutputSchema = z
  .object({
    ready: z.boolean(),
    status: z.enum(["booting", "serving", "draining"]),
    served_graph_count: z.number().int().min(0),
    quarantined_graph_count: z.number().int().min(0),
    shutdown_grace_seconds: z.number().min(0),
    role: z.string(),
  })
  .openapi("ReadyOutput");
export type ReadyOutput = z.infer<typeof ReadyOutputSchema>;
