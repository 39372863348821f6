/**
 * Date and DateTime text formats of the query language and the JSON contract.
 *
 * Runtime representation (see `value.ts`): a Date is the string `YYYY-MM-DD`, a
 * DateTime is an integer number of milliseconds since the Unix epoch (UTC).
 * Precision beyond milliseconds is truncated, matching the contract's output
 * format `YYYY-MM-DDTHH:MM:SS.sssZ`.
 */

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    return leap ? 29 : 28;
  }
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function validCalendarDate(year: number, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/** Milliseconds since the epoch of a UTC calendar instant (years 0–9999 included). */
function utcMillis(year: number, month: number, day: number, h = 0, m = 0, s = 0, ms = 0): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(h, m, s, ms);
  return d.getTime();
}

/**
 * Validates a `YYYY-MM-DD` calendar date and returns it unchanged, or `undefined`
 * when the text is not a real date.
 *
 * @example parseDate("2024-02-29") // "2024-02-29"; parseDate("2023-02-29") // undefined
 */
export function parseDate(text: string): string | undefined {
  const m = DATE_RE.exec(text);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return validCalendarDate(year, month, day) ? text : undefined;
}

/**
 * Parses an ISO-8601 DateTime to epoch milliseconds, or `undefined` when invalid.
 * Accepted: `YYYY-MM-DD`, optionally followed by `T` (or a space) and `HH:MM`,
 * `HH:MM:SS` or `HH:MM:SS.f…` (1–9 fraction digits, truncated to milliseconds),
 * optionally followed by `Z` or an offset `±HH:MM` / `±HHMM` / `±HH`. A missing
 * time means midnight; a missing zone means UTC.
 *
 * @example parseDateTime("2024-01-02T03:04:05.678+01:00") // 1704161045678
 */
export function parseDateTime(text: string): number | undefined {
  const m = DATETIME_RE.exec(text);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const millis = m[7] === undefined ? 0 : Number(m[7].padEnd(3, "0").slice(0, 3));
  if (!validCalendarDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone !== undefined && zone !== "Z" && zone !== "z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2)) : 0;
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = sign * (oh * 60 + om);
  }
  return utcMillis(year, month, day, hour, minute, second, millis) - offsetMinutes * 60_000;
}

/** The DateTime (epoch ms) of midnight UTC on a `YYYY-MM-DD` date. */
export function dateToDateTime(date: string): number {
  const [y, mo, d] = date.split("-").map(Number);
  return utcMillis(y ?? 0, mo ?? 1, d ?? 1);
}

/**
 * Formats epoch milliseconds as the contract's `YYYY-MM-DDTHH:MM:SS.sssZ`.
 *
 * @example formatDateTime(0) // "1970-01-01T00:00:00.000Z"
 */
export function formatDateTime(millis: number): string {
  return new Date(millis).toISOString();
}
