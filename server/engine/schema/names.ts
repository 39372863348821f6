/**
 * Naming rules of the schema language: the shapes of type and property names
 * and the property names the storage layer or the data formats reserve.
 */
import { RESERVED_PROPERTY_NAMES } from "./catalog.ts";

/** `TypeName = [A-Z][A-Za-z0-9_]*` (nodes, edges, interfaces). */
export const TYPE_NAME = /^[A-Z][A-Za-z0-9_]*$/;
/** `ident = [a-z_][A-Za-z0-9_]*` (properties, annotations, named arguments). */
export const IDENT = /^[a-z_][A-Za-z0-9_]*$/;

/**
 * Why a property name is reserved, or undefined when it is free.
 *
 * Beyond `RESERVED_PROPERTY_NAMES` (Lance system columns and the implicit
 * `id`/`src`/`dst`): every `_row*` name and `_tombstone`, because NDJSON
 * loading refuses those fields (omnigraph-api.md §4) so such a property could
 * never be written; and on edges `from`/`to`, which edge inserts use for the
 * endpoints (§3), so such a property could never be set by a mutation.
 */
export function reservedPropertyReason(name: string, entity: "node" | "edge" | "interface"): string | undefined {
  if (RESERVED_PROPERTY_NAMES.has(name)) {
    return name === "id" || name === "src" || name === "dst"
      ? `'${name}' is an implicit column of every type`
      : `'${name}' is a storage system column`;
  }
  if (name.startsWith("_row") || name === "_tombstone") return `'${name}' is reserved by the NDJSON load format`;
  if (entity === "edge" && (name === "from" || name === "to")) {
    return `'${name}' names an edge endpoint in inserts`;
  }
  return undefined;
}
