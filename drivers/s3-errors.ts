import {
  AuthFailed, ConflictRetryable, InvalidKey, NotFound, PreconditionFailed, StorageError, StorageFailure, Throttled,
  Timeout, Unavailable,
} from "./errors.ts";

/** The facts both S3 clients (AWS SDK, minio) give us about a failed request. */
export interface S3Failure {
  /** S3 error code from the XML body (`PreconditionFailed`, `NoSuchKey`, …) or the SDK's error name. */
  code: string | undefined;
  /** HTTP status when the client exposes it. */
  status: number | undefined;
  /** Node errno for transport failures (`ECONNRESET`, …). */
  errno: string | undefined;
  message: string;
}

const TRANSPORT_ERRNOS = new Set([
  "ECONNRESET", "ECONNREFUSED", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ECONNABORTED",
  "UND_ERR_SOCKET", "ERR_STREAM_PREMATURE_CLOSE",
]);
const TIMEOUT_CODES = new Set(["TimeoutError", "RequestTimeout", "AbortError", "ETIMEDOUT", "ESOCKETTIMEDOUT"]);

/**
 * Maps an S3-protocol failure onto our typed errors. Shared by the `s3` and `minio`
 * drivers so AWS S3, RGW and MinIO failures mean the same thing to callers.
 * `conditionalWrite` marks a put with If-Match: AWS answers a missing key with 404,
 * RGW with 412; both become ERR_PRECONDITION_FAILED.
 */
export function mapS3Failure(f: S3Failure, ctx: { key: string; op: string; conditionalWrite?: boolean; cause: unknown }): StorageError {
  const d = { key: ctx.key, op: ctx.op, status: f.status ?? f.errno ?? f.code, cause: ctx.cause };
  const what = `${ctx.op} ${JSON.stringify(ctx.key)}`;
  const code = f.code ?? "";
  if (TIMEOUT_CODES.has(code) || (f.errno !== undefined && TIMEOUT_CODES.has(f.errno))) {
    return new Timeout(`${what} timed out: ${f.message}`, d);
  }
  if (f.errno !== undefined && TRANSPORT_ERRNOS.has(f.errno)) return new Unavailable(`${what}: store unreachable (${f.errno})`, d);
  if (code === "PreconditionFailed" || f.status === 412) return new PreconditionFailed(`${what}: precondition failed`, d);
  if (code === "ConditionalRequestConflict" || (f.status === 409 && code !== "BucketAlreadyExists")) {
    return new ConflictRetryable(`${what}: concurrent conditional request in flight (409 ${code})`, d);
  }
  if (code === "NoSuchKey" || code === "NotFound" || f.status === 404) {
    if (ctx.conditionalWrite) return new PreconditionFailed(`${what}: If-Match on a missing key`, d);
    if (code === "NoSuchBucket") return new StorageFailure(`${what}: bucket does not exist`, d);
    return new NotFound(`no object at ${JSON.stringify(ctx.key)}`, d);
  }
  if (code === "NoSuchBucket") return new StorageFailure(`${what}: bucket does not exist`, d);
  if (code === "SlowDown" || code === "Throttling" || code === "ThrottlingException" || code === "TooManyRequests" || f.status === 429) {
    return new Throttled(`${what}: store asked us to slow down (${code || f.status})`, d);
  }
  if (f.status === 503 && code === "") return new Throttled(`${what}: 503 from store`, d);
  if (["AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken"].includes(code) || f.status === 401 || f.status === 403) {
    return new AuthFailed(`${what}: access denied (${code || f.status}); check the store credentials`, d);
  }
  if (code === "CredentialsProviderError") {
    // The SDK found no credentials at all: nothing was sent, and retrying cannot help.
    return new AuthFailed(`${what}: no store credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE, or give the process a role)`, d);
  }
  if (code === "KeyTooLongError" || code === "InvalidObjectName") return new InvalidKey(`${what}: store rejected the key (${code})`, d);
  if ((f.status !== undefined && f.status >= 500) || code === "InternalError" || code === "ServiceUnavailable") {
    return new Unavailable(`${what}: store error ${f.status ?? ""} ${code}`.trim(), d);
  }
  return new StorageFailure(`${what} failed: ${code || f.status || f.message}`, d);
}
