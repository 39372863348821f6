/** `omnigraph change`: the deprecated name of `mutate` (prints a one-line warning). */
import { run as runMutate } from "./mutate.ts";

export function run(argv: string[]): Promise<number> {
  return runMutate(argv, "change");
}
