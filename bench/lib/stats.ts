// Small statistics and formatting helpers: the machine is shared and noisy, so every
// benchmark reports medians (and p90 where a tail means something) over N runs.

export function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  // Nearest rank: the smallest value with at least q of the sample at or below it.
  const rank = Math.max(1, Math.ceil(q * s.length));
  return s[rank - 1]!;
}

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export const p90 = (xs: number[]): number => quantile(xs, 0.9);

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const t0 = performance.now();
  const result = await fn();
  return { ms: performance.now() - t0, result };
}

/** `{GET: 2, PUT: 1}` → "GET 2, PUT 1" (zero counts dropped, stable order). */
export function fmtCounts(c: Record<string, number> | undefined, order = ["GET", "GET304", "LIST", "HEAD", "PUT", "POST", "DELETE", "get", "list", "head", "put", "put:create", "put:cas", "delete", "delete:cas"]): string {
  if (!c) return "";
  const keys = Object.keys(c).filter((k) => c[k] && k !== "total");
  keys.sort((a, b) => (order.indexOf(a) === -1 ? 99 : order.indexOf(a)) - (order.indexOf(b) === -1 ? 99 : order.indexOf(b)) || a.localeCompare(b));
  const total = keys.reduce((a, k) => a + c[k]!, 0);
  if (total === 0) return "0";
  return `${total} (${keys.map((k) => `${k} ${fmtNum(c[k]!)}`).join(", ")})`;
}

/** Median of each key over several count records. */
export function medianCounts(list: Record<string, number>[]): Record<string, number> {
  const keys = new Set(list.flatMap((c) => Object.keys(c)));
  const out: Record<string, number> = {};
  for (const k of keys) out[k] = median(list.map((c) => c[k] ?? 0));
  return out;
}

export function fmtNum(x: number | undefined): string {
  if (x === undefined || Number.isNaN(x)) return "–";
  if (Number.isInteger(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

export function fmtRatio(x: number | undefined): string {
  if (x === undefined || Number.isNaN(x)) return "–";
  return `${x >= 10 ? x.toFixed(0) : x >= 0.1 ? x.toFixed(2) : x.toPrecision(2)}×`;
}

/** "max 12 s" when the slowest run is far beyond the p90 (a stall worth knowing about), else "". */
export function stallNote(label: string, xs: number[]): string {
  if (xs.length < 5) return "";
  const max = Math.max(...xs);
  return max > 3 * p90(xs) && max > 100 ? `${label} max ${fmtNum(max)} ms (p90 ${fmtNum(p90(xs))})` : "";
}

export function joinNotes(...parts: (string | undefined)[]): string | undefined {
  const s = parts.filter((p) => p).join("; ");
  return s || undefined;
}
