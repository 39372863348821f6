/** `omnigraph check`: alias of `lint`. */
import { run as runLint } from "./lint.ts";

export function run(argv: string[]): Promise<number> {
  return runLint(argv, "check");
}
