import { createRequire } from "node:module";

/**
 * The apache-arrow module instance LanceDB itself uses. @lancedb/lancedb is CommonJS
 * and `require`s apache-arrow; an ESM `import "apache-arrow"` loads a second copy whose
 * classes fail LanceDB's `instanceof` checks ("Invalid input type for addColumns").
 * Everything that hands Arrow objects to LanceDB builds them from this module.
 */
const require = createRequire(import.meta.url);
export const arrow: typeof import("apache-arrow") = require("apache-arrow");

export type ArrowSchema = import("apache-arrow").Schema;
export type ArrowField = import("apache-arrow").Field;
export type ArrowTable = import("apache-arrow").Table;
