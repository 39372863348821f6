/** `omnigraph read`: the deprecated name of `query` (prints a one-line warning). */
import { run as runQuery } from "./query.ts";

export function run(argv: string[]): Promise<number> {
  return runQuery(argv, "read");
}
