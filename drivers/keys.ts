import { InvalidKey } from "./errors.ts";

/** Longest key any supported store accepts (S3 and GCS: 1024 bytes of UTF-8). */
export const MAX_KEY_BYTES = 1024;

/**
 * Checks that `key` is a relative object key every driver can store the same way:
 * non-empty, at most 1024 UTF-8 bytes, no leading `/`, no empty, `.` or `..` segments,
 * no NUL or other control characters. Spaces, unicode and `+` are allowed.
 * Throws `ERR_INVALID_KEY` naming the problem.
 */
export function validateKey(key: string, op: string): string {
  const fail = (why: string): never => {
    throw new InvalidKey(`invalid object key ${JSON.stringify(key)}: ${why}`, { key, op });
  };
  if (typeof key !== "string" || key.length === 0) fail("it is empty");
  if (Buffer.byteLength(key, "utf8") > MAX_KEY_BYTES) fail(`it is longer than ${MAX_KEY_BYTES} bytes`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(key)) fail("it contains a control character");
  if (key.startsWith("/")) fail("it starts with '/'; keys are relative to the store's prefix");
  if (key.endsWith("/")) fail("it ends with '/'; that names a folder, not an object");
  for (const seg of key.split("/")) {
    if (seg === "") fail("it has an empty path segment ('//')");
    if (seg === "." || seg === "..") fail(`it has a '${seg}' path segment`);
  }
  return key;
}

/** A list prefix may be empty or end in '/', but otherwise follows the key rules. */
export function validatePrefix(prefix: string, op = "list"): string {
  if (prefix === "") return prefix;
  const trimmed = prefix.endsWith("/") ? prefix.slice(0, -1) : prefix;
  validateKey(trimmed, op);
  return prefix;
}

/** Joins a store prefix (may be empty) and a relative key with exactly one '/'. */
export function joinKey(prefix: string, key: string): string {
  if (prefix === "") return key;
  return prefix.endsWith("/") ? prefix + key : `${prefix}/${key}`;
}

/** Compares keys by UTF-8 bytes, the order S3, GCS and our fs/memory drivers list in. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}
