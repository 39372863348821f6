import { randomBytes } from "node:crypto";
import { encodeTime, isValid } from "ulid";

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const SEQ_CHARS = 8; // 40 bits: sequence numbers up to ~1.1e12
const MAX_SEQ = 32 ** SEQ_CHARS - 1;

function encodeBase32(n: number, len: number): string {
  let out = "";
  for (let i = 0; i < len; i++) {
    out = CROCKFORD[n % 32]! + out;
    n = Math.floor(n / 32);
  }
  return out;
}

/**
 * A graph commit id: a valid ULID (time-ordered, as OmniGraph's API promises) whose
 * 80-bit random field starts with the manifest sequence number (40 bits) followed by
 * 40 random bits. The sequence lets `/commits/{id}` and `snapshot=<id>` find the entry
 * in one GET, without an index object per commit. The entry read back must carry the
 * same id, so a forged or foreign id is simply "not found".
 */
export function newCommitId(seq: number, timeMs = Date.now()): string {
  if (!Number.isSafeInteger(seq) || seq < 1 || seq > MAX_SEQ) throw new RangeError(`manifest sequence ${seq} out of range`);
  const rand = randomBytes(5);
  let r = 0;
  for (const b of rand) r = r * 256 + b;
  return encodeTime(timeMs, 10) + encodeBase32(seq, SEQ_CHARS) + encodeBase32(r, 8);
}

/** The manifest sequence a commit id points at, or undefined for a malformed id. */
export function seqOfCommitId(id: string): number | undefined {
  if (typeof id !== "string" || id.length !== 26 || !isValid(id.toUpperCase())) return undefined;
  let n = 0;
  for (const ch of id.toUpperCase().slice(10, 10 + SEQ_CHARS)) {
    const v = CROCKFORD.indexOf(ch);
    if (v < 0) return undefined;
    n = n * 32 + v;
  }
  return n >= 1 ? n : undefined;
}
