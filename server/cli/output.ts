/**
 * Result rendering: `--json` / `--format json|jsonl|csv|table|kv`. Commands hand over
 * the contract JSON (what the server answers, byte for byte the same in direct and
 * served modes) and optionally a tabular view of it; this module decides the text.
 */
import type { OutputFormat } from "./operator/config.ts";

export interface Printable {
  /** The contract JSON: what `--json` prints. */
  json: unknown;
  /** A tabular view (query rows, branch list, commits…) for csv/table/kv/jsonl. */
  rows?: Record<string, unknown>[] | undefined;
  /** Column order of `rows` (default: keys of the first row, then any new ones). */
  columns?: string[] | undefined;
  /** What `jsonl` prints before the rows (default: `json` without its row array). */
  meta?: Record<string, unknown> | undefined;
  /** The default rendering when no format is asked for (a short human summary). */
  human?: string | undefined;
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  return JSON.stringify(v);
}

function columnsOf(p: Printable, rows: Record<string, unknown>[]): string[] {
  const cols = [...(p.columns ?? [])];
  const seen = new Set(cols);
  for (const r of rows) for (const k of Object.keys(r)) if (!seen.has(k)) (seen.add(k), cols.push(k));
  return cols;
}

/** Rows to render: the tabular view, else the object itself as one row. */
function rowsOf(p: Printable): Record<string, unknown>[] {
  if (p.rows) return p.rows;
  if (p.json !== null && typeof p.json === "object" && !Array.isArray(p.json)) return [p.json as Record<string, unknown>];
  return [{ value: p.json }];
}

function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** RFC 4180: a header line, CRLF-free `\n` line ends, fields quoted when needed. */
export function renderCsv(rows: Record<string, unknown>[], columns: string[]): string {
  const lines = [columns.map(csvField).join(",")];
  for (const r of rows) lines.push(columns.map((c) => csvField(cell(r[c]))).join(","));
  return `${lines.join("\n")}\n`;
}

const MAX_COLUMN_WIDTH = 60;

function fit(s: string): string {
  const flat = s.replace(/\s*\n\s*/g, " ");
  return flat.length > MAX_COLUMN_WIDTH ? `${flat.slice(0, MAX_COLUMN_WIDTH - 1)}…` : flat;
}

/** A fitted text table: header, a rule, one line per row; long cells are cut with '…'. */
export function renderTable(rows: Record<string, unknown>[], columns: string[]): string {
  if (columns.length === 0) return "(no columns)\n";
  const body = rows.map((r) => columns.map((c) => fit(cell(r[c]))));
  const widths = columns.map((c, i) => Math.max(fit(c).length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((s, i) => s.padEnd(widths[i]!)).join("  ").trimEnd();
  const out = [line(columns.map(fit)), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)];
  if (rows.length === 0) out.push("(0 rows)");
  return `${out.join("\n")}\n`;
}

/** Key/value blocks, one per row, separated by a blank line. */
export function renderKv(rows: Record<string, unknown>[], columns: string[]): string {
  const width = Math.max(0, ...columns.map((c) => c.length));
  return rows.map((r) => columns.filter((c) => c in r).map((c) => `${c.padEnd(width)}  ${cell(r[c])}`).join("\n")).join("\n\n") + "\n";
}

/** Renders a result in a format; `undefined` format means the command's human default. */
export function render(p: Printable, format: OutputFormat | undefined): string {
  switch (format) {
    case "json":
      return `${JSON.stringify(p.json, null, 2)}\n`;
    case "jsonl": {
      if (!p.rows) return `${JSON.stringify(p.json)}\n`;
      const meta = p.meta ?? withoutRows(p.json);
      return [meta === undefined ? [] : [JSON.stringify(meta)], p.rows.map((r) => JSON.stringify(r))].flat().join("\n") + "\n";
    }
    case "csv": {
      const rows = rowsOf(p);
      return renderCsv(rows, columnsOf(p, rows));
    }
    case "table": {
      const rows = rowsOf(p);
      return renderTable(rows, columnsOf(p, rows));
    }
    case "kv": {
      const rows = rowsOf(p);
      return renderKv(rows, columnsOf(p, rows));
    }
    case undefined:
      if (p.human !== undefined) return p.human.endsWith("\n") ? p.human : `${p.human}\n`;
      return render(p, p.rows ? "table" : "kv");
  }
}

function withoutRows(json: unknown): Record<string, unknown> | undefined {
  if (json === null || typeof json !== "object" || Array.isArray(json)) return undefined;
  const { rows: _rows, ...rest } = json as Record<string, unknown>;
  return rest;
}
