/**
 * Catalogs for the query tests, compiled from `.pg` source by the schema
 * compiler: the contract fixtures and `LIB`, a schema that exercises every
 * property type the query checker distinguishes.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Catalog } from "../../../server/engine/schema/catalog.ts";
import { compileSchema } from "../../../server/engine/schema/index.ts";

export const FIXTURES = fileURLToPath(new URL("../../contract/fixtures", import.meta.url));

/** Reads a contract fixture file (`test.gq`, `search.pg`, …). */
export function fixture(name: string): string {
  return readFileSync(`${FIXTURES}/${name}`, "utf8");
}

/** The catalog of a contract fixture schema (`test`, `search`, `context`, `signals`). */
export function fixtureCatalog(name: "test" | "search" | "context" | "signals"): Catalog {
  return compileSchema(fixture(`${name}.pg`));
}

export const LIB_SCHEMA = `
interface Titled { title: String }
node Paper @description("A publication") implements Titled {
  doi: String @key
  year: I32?
  tags: [String]?
  counts: [I64]?
  venue: enum(journal, conference, preprint)
  abstract: String?
  embedding: Vector(4)? @embed("abstract")
  published: Date?
  updated_at: DateTime?
  citations: I64?
  views: U64?
  score: F32?
  weight: F64?
  open: Bool?
  pdf: Blob?
}
node Author { orcid: String @key  name: String @index  born: Date?  rank: U32? }
node Note { body: String  vec: Vector(2) @embed("body")  stars: I32? }
edge Wrote: Author -> Paper @card(0..) { position: U32? }
edge Cites: Paper -> Paper { weight: F64? }
edge Reviewed: Author -> Paper { rating: I32 }
edge Follows: Author -> Author
`;

/** A catalog with every property type: I32…U64, F32/F64, Date/DateTime, enum, lists, vectors, Blob. */
export function libCatalog(): Catalog {
  return compileSchema(LIB_SCHEMA);
}
