import type { Entry } from "./case.ts";
import { aggregation } from "./cases/aggregation.ts";
import { branching } from "./cases/branching.ts";
import { consistency } from "./cases/consistency.ts";
import { endToEnd } from "./cases/end-to-end.ts";
import { literalFilters } from "./cases/literal-filters.ts";
import { mergeTruthTable } from "./cases/merge-truth-table.ts";
import { ordering } from "./cases/ordering.ts";
import { schemaApply } from "./cases/schema-apply.ts";
import { schemaParser } from "./cases/schema-parser.ts";
import { traversal } from "./cases/traversal.ts";
import { typecheck } from "./cases/typecheck.ts";
import { validators } from "./cases/validators.ts";
import { writes } from "./cases/writes.ts";

/** Every upstream test function of the files in `UPSTREAM_FILES`. */
export const TABLE: Entry[] = [...endToEnd, ...traversal, ...aggregation, ...ordering, ...literalFilters, ...validators, ...writes, ...consistency, ...branching, ...mergeTruthTable, ...schemaApply, ...typecheck, ...schemaParser];
