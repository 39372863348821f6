/**
 * Migration steps (`SchemaApplyOutput.steps[]`, tagged by `kind`) and what
 * the executor must do to storage for each. Steps name types and properties
 * by id as well as by name: ids are what storage uses, names what users read.
 */
import type { PropType } from "./catalog.ts";

/** `interface` steps are catalog-only: interfaces have no dataset of their own. */
export type EntityKind = "node" | "edge" | "interface";

/** The type a step is about; `typeName` is its name in the new schema (the old one for drops). */
export interface StepTarget {
  entity: EntityKind;
  typeId: string;
  typeName: string;
}

/** A constraint as a step reports it, with property names of the new schema. */
export type ConstraintSpec =
  | { kind: "unique" | "index"; properties: string[] }
  | { kind: "range"; property: string; min?: number | undefined; max?: number | undefined }
  | { kind: "check"; property: string; pattern: string }
  | { kind: "card"; min: number; max?: number | undefined }
  /** A nullable property made non-nullable. */
  | { kind: "required"; property: string };

export type TypeMetadataField =
  | "description" | "instruction" | "annotations" | "implements" | "card" | "constraints";
export type PropertyMetadataField = "description" | "embed" | "annotations" | "nullable";

/** Stable reasons for `unsupported_change` (clients may switch on them). */
export type UnsupportedChangeKind =
  | "property_type_changed"
  | "enum_values_removed"
  | "property_made_required"
  | "required_property_added"
  | "key_changed"
  | "edge_endpoints_changed"
  | "constraint_needs_empty_type"
  | "rename_source_missing";

export interface AddTypeStep extends StepTarget {
  kind: "add_type";
}
export interface RenameTypeStep extends StepTarget {
  kind: "rename_type";
  from: string;
  to: string;
}
export interface AddPropertyStep extends StepTarget {
  kind: "add_property";
  propertyId: string;
  propertyName: string;
  propertyType: PropType;
  nullable: boolean;
}
export interface RenamePropertyStep extends StepTarget {
  kind: "rename_property";
  propertyId: string;
  from: string;
  to: string;
}
export interface AddConstraintStep extends StepTarget {
  kind: "add_constraint";
  constraint: ConstraintSpec;
  /** Storage columns involved: property ids, or `src`/`dst` on edges; empty for `card`. */
  columns: string[];
}
export interface ExtendEnumStep extends StepTarget {
  kind: "extend_enum";
  propertyId: string;
  propertyName: string;
  added: string[];
  /** The full new value set, sorted. */
  values: string[];
}
export interface UpdateTypeMetadataStep extends StepTarget {
  kind: "update_type_metadata";
  fields: TypeMetadataField[];
  /** Constraints that no longer apply (field `constraints`). */
  removedConstraints: ConstraintSpec[];
  /** Constraints that now admit more values, in their new form (fields `constraints`, `card`). */
  loosenedConstraints: ConstraintSpec[];
}
export interface UpdatePropertyMetadataStep extends StepTarget {
  kind: "update_property_metadata";
  propertyId: string;
  propertyName: string;
  fields: PropertyMetadataField[];
}
/**
 * How a drop treats the prior data (OmniGraph v0.10): `soft` leaves it readable from
 * earlier snapshots (time travel); `hard` (with `allow_data_loss`) purges the prior
 * versions of the affected datasets, so it becomes unreachable.
 */
export type DropMode = "soft" | "hard";
export interface DropTypeStep extends StepTarget {
  kind: "drop_type";
  mode: DropMode;
}
export interface DropPropertyStep extends StepTarget {
  kind: "drop_property";
  mode: DropMode;
  propertyId: string;
  propertyName: string;
}
export interface UnsupportedChangeStep {
  kind: "unsupported_change";
  entity: EntityKind;
  typeName: string;
  /** Undefined when the type itself is new. */
  typeId?: string | undefined;
  propertyName?: string | undefined;
  change: UnsupportedChangeKind;
  /** A sentence saying what is refused and how to get there instead. */
  reason: string;
}

export type MigrationStep =
  | AddTypeStep
  | RenameTypeStep
  | AddPropertyStep
  | RenamePropertyStep
  | AddConstraintStep
  | ExtendEnumStep
  | UpdateTypeMetadataStep
  | UpdatePropertyMetadataStep
  | DropTypeStep
  | DropPropertyStep
  | UnsupportedChangeStep;

/**
 * What a step requires of storage beyond writing the new catalog. Datasets
 * are named by type id and columns by property id, so renames, metadata and
 * enum extensions are catalog-only. This assumes property columns are
 * nullable at the Lance level (nullability is enforced by the engine), so a
 * `required` constraint or a `nullable` change never alters a column.
 */
export type DataChange =
  /** Create the type's (empty) dataset; may be deferred to the first write. */
  | { kind: "create_dataset"; typeId: string }
  | { kind: "drop_dataset"; typeId: string }
  /** Lance add-column; existing rows get null. */
  | { kind: "add_column"; typeId: string; columnId: string; propertyType: PropType }
  | { kind: "drop_column"; typeId: string; columnId: string }
  /** Build an index over these columns (property ids or `src`/`dst`). */
  | { kind: "build_index"; typeId: string; columns: string[] };

/** The storage change a step needs, or undefined when the catalog write is all. */
export function dataChangeFor(step: MigrationStep): DataChange | undefined {
  switch (step.kind) {
    case "add_type":
      return { kind: "create_dataset", typeId: step.typeId };
    case "drop_type":
      return { kind: "drop_dataset", typeId: step.typeId };
    case "add_property":
      return { kind: "add_column", typeId: step.typeId, columnId: step.propertyId, propertyType: step.propertyType };
    case "drop_property":
      return { kind: "drop_column", typeId: step.typeId, columnId: step.propertyId };
    case "add_constraint":
      return step.constraint.kind === "index"
        ? { kind: "build_index", typeId: step.typeId, columns: step.columns }
        : undefined;
    default:
      return undefined;
  }
}

/** True when applying `step` touches datasets, not only the catalog. */
export function stepNeedsDataChange(step: MigrationStep): boolean {
  return dataChangeFor(step) !== undefined;
}

/** Steps that remove a type or property from the current schema (soft or hard). */
export function isDropStep(step: MigrationStep): step is DropTypeStep | DropPropertyStep {
  return step.kind === "drop_type" || step.kind === "drop_property";
}
