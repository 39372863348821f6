import type { Snapshot } from "../../store/snapshot.ts";
import type { Catalog } from "./catalog.ts";
import { isDropStep, type MigrationStep } from "./steps.ts";
import { keyOf } from "../storage/columns.ts";

/**
 * Dataset paths (as of `before`, the snapshot the migration applied to) whose prior
 * data a hard drop makes unreachable: the dataset of a dropped type, and the dataset
 * holding a dropped property's column.
 */
export function hardDropPaths(steps: MigrationStep[], current: Catalog | undefined, before: Snapshot): string[] {
  if (!current) return [];
  const paths = new Set<string>();
  for (const step of steps) {
    if (!isDropStep(step) || step.mode !== "hard") continue;
    const t = [...current.nodes, ...current.edges].find((x) => x.id === step.typeId);
    const path = t && before.tableState(keyOf(t))?.path;
    if (path) paths.add(path);
  }
  return [...paths];
}
