/**
 * The schema module: `.pg` source → validated, identified `Catalog`; its
 * stored JSON form; and the migration planner behind `/schema/apply`.
 */
export * from "./catalog.ts";
export type * from "./ast.ts";
export { parseSchema } from "./parser.ts";
export { compileSchema } from "./validate.ts";
export { catalogFromJson, catalogToJson } from "./json.ts";
export { printSchema } from "./print.ts";
export { planMigration, unsupportedError, type MigrationPlan, type PlanOptions } from "./migrate.ts";
export { dataChangeFor, isDropStep, stepNeedsDataChange } from "./steps.ts";
export type * from "./steps.ts";
