import type { Target, TargetName } from "./targets.ts";

/** One line of the results table. */
export interface Row {
  /** Benchmark name (what `npm run bench -- <name>` selects). */
  bench: string;
  /** What was measured. */
  what: string;
  target: TargetName | string;
  unit: "ms" | "rows/s" | "MB";
  median: number;
  p90?: number | undefined;
  n: number;
  baseline?: { what: string; median: number; p90?: number | undefined } | undefined;
  /** ours / baseline (of medians); for rows/s the time ratio is reported instead. */
  ratio?: number | undefined;
  /** Requests per operation, ours (formatted). */
  requests?: string | undefined;
  /** Requests per operation, baseline (formatted). */
  baselineRequests?: string | undefined;
  note?: string | undefined;
}

export interface BenchOutput {
  rows: Row[];
  /** Extra markdown sections (title → body). */
  sections?: { title: string; body: string }[];
  /** Observations worth reading next to the numbers. */
  notes?: string[];
}

export interface BenchContext {
  quick: boolean;
  targets: Target[];
  log(msg: string): void;
  /** Shared, lazily built state between benchmarks of one run. */
  memo<T>(key: string, build: () => Promise<T>): Promise<T>;
}

export interface Benchmark {
  name: string;
  group: "engine" | "store" | "drivers";
  description: string;
  run(ctx: BenchContext): Promise<BenchOutput>;
}
