/**
 * The progress bar of `load` and `export` (cli-progress): on stderr, only when stderr
 * is a terminal, only for large inputs, never with `--quiet`. Everything else gets a
 * no-op, so piped output and logs stay clean.
 */
import { SingleBar } from "cli-progress";

export interface Progress {
  update(value: number): void;
  stop(): void;
}

const NONE: Progress = { update: () => undefined, stop: () => undefined };

/** Bytes above which `load` shows a bar. */
export const LOAD_PROGRESS_MIN_BYTES = 8 * 1024 * 1024;
/** Entities above which `export` shows a bar. */
export const EXPORT_PROGRESS_MIN_ENTITIES = 50_000;

/**
 * A bar for `total` units when `enabled` (TTY, not quiet) and `total >= threshold`.
 *
 * @example const p = startProgress({ enabled: env.stderrIsTty && !quiet, total: size, threshold: LOAD_PROGRESS_MIN_BYTES, label: "load", unit: "bytes" });
 */
export function startProgress(o: { enabled: boolean; total: number; threshold: number; label: string; unit: string }): Progress {
  if (!o.enabled || o.total < o.threshold) return NONE;
  const bar = new SingleBar({
    stream: process.stderr,
    format: `${o.label} [{bar}] {percentage}% | {value}/{total} ${o.unit}`,
    hideCursor: true,
    clearOnComplete: true,
    etaBuffer: 50,
  });
  bar.start(o.total, 0);
  return { update: (v) => bar.update(Math.min(v, o.total)), stop: () => bar.stop() };
}
