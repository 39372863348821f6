import test, { type ExecutionContext } from "ava";
import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { Storage } from "@google-cloud/storage";
import { listAll } from "../../drivers/base.ts";
import { streamToBuffer } from "../../drivers/body.ts";
import type { StorageErrorCode } from "../../drivers/errors.ts";
import { GcsStore } from "../../drivers/gcs.ts";
import { crc32cBase64, startGcsDouble, type GcsDouble } from "../support/gcs-double.ts";
import { codeOf } from "../support/codes.ts";

// Each test starts its own double, so request counts are exact while tests run concurrently.
async function withDouble(a: ExecutionContext, fn: (d: GcsDouble) => Promise<void>): Promise<void> {
  const d = await startGcsDouble();
  try {
    await fn(d);
  } finally {
    await d.close();
  }
  a.pass();
}

interface JsonResponse {
  status: number;
  headers: Headers;
  json: any;
}

/** Raw JSON API calls, to test the double against the documented wire format. */
async function call(d: GcsDouble, method: string, path: string, body?: Buffer | string, headers: Record<string, string> = {}): Promise<JsonResponse> {
  const res = await fetch(`${d.endpoint}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await res.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = text;
  }
  return { status: res.status, headers: res.headers, json };
}

const upload = (d: GcsDouble, bucket: string, name: string, data: string, query = "") =>
  call(d, "POST", `/upload/storage/v1/b/${bucket}/o?uploadType=media&name=${encodeURIComponent(name)}${query}`, data, { "content-type": "text/plain" });

const objectPath = (bucket: string, name: string, query = "") => `/storage/v1/b/${bucket}/o/${encodeURIComponent(name)}${query}`;

function assertPreconditionError(a: ExecutionContext, r: JsonResponse): void {
  a.is(r.status, 412);
  a.is(r.json.error.code, 412);
  a.is(typeof r.json.error.message, "string");
  a.is(r.json.error.errors[0].reason, "conditionNotMet");
}

function store(d: GcsDouble, prefix = "tenants/t1", requestTimeoutMs?: number): GcsStore {
  return new GcsStore({ bucket: "og-test", prefix, apiEndpoint: d.endpoint, ...(requestTimeoutMs ? { requestTimeoutMs } : {}) });
}

/** Requests the double received while `fn` ran. */
async function countRequests(d: GcsDouble, fn: () => Promise<unknown>): Promise<number> {
  const before = d.requestCount;
  await fn().catch(() => undefined);
  return d.requestCount - before;
}

// ---------------------------------------------------------------- the double vs. the JSON API

test("double: every write gets a new, larger generation; resource fields are decimal strings", (a) => withDouble(a, async (d) => {
  const gens: bigint[] = [];
  for (const body of ["one", "two", "three"]) {
    const r = await upload(d, "b", "obj", body);
    a.is(r.status, 200);
    a.regex(r.json.generation, /^[1-9][0-9]*$/);
    a.is(r.json.metageneration, "1");
    a.is(r.json.size, String(body.length));
    a.is(r.json.md5Hash, createHash("md5").update(body).digest("base64"));
    a.is(r.json.crc32c, crc32cBase64(Buffer.from(body)));
    gens.push(BigInt(r.json.generation));
  }
  a.true(gens[0]! < gens[1]! && gens[1]! < gens[2]!, `generations ${gens.join(",")}`);
  const other = await upload(d, "b", "other", "x");
  a.true(BigInt(other.json.generation) > gens[2]!, "generations are unique across objects");
  const meta = await call(d, "GET", objectPath("b", "obj"));
  a.is(meta.json.generation, String(gens[2]));
}));

test("double: CRC32C matches the standard check value", (a) => {
  // CRC-32C("123456789") = 0xE3069283.
  a.is(crc32cBase64(Buffer.from("123456789")), Buffer.from([0xe3, 0x06, 0x92, 0x83]).toString("base64"));
});

test("double: ifGenerationMatch=0 is create-only; a mismatch is 412 conditionNotMet", (a) => withDouble(a, async (d) => {
  const first = await upload(d, "b", "k", "first", "&ifGenerationMatch=0");
  a.is(first.status, 200);
  assertPreconditionError(a, await upload(d, "b", "k", "second", "&ifGenerationMatch=0"));
  const gen = first.json.generation as string;
  // CAS: the current generation wins, a stale one loses.
  const second = await upload(d, "b", "k", "second", `&ifGenerationMatch=${gen}`);
  a.is(second.status, 200);
  assertPreconditionError(a, await upload(d, "b", "k", "third", `&ifGenerationMatch=${gen}`));
  // A generation precondition on a missing object fails too.
  assertPreconditionError(a, await upload(d, "b", "missing", "x", `&ifGenerationMatch=${gen}`));
  const media = await call(d, "GET", objectPath("b", "k", "?alt=media"));
  a.is(media.json, "second");
}));

test("double: read preconditions: 412 for *Match, 304 for *NotMatch, 404 first; metageneration follows PATCH", (a) => withDouble(a, async (d) => {
  const gen = (await upload(d, "b", "r", "x")).json.generation as string;
  a.is((await call(d, "GET", objectPath("b", "r", `?ifGenerationMatch=${gen}`))).status, 200);
  assertPreconditionError(a, await call(d, "GET", objectPath("b", "r", "?ifGenerationMatch=1")));
  a.is((await call(d, "GET", objectPath("b", "r", `?alt=media&ifGenerationNotMatch=${gen}`))).status, 304);
  a.is((await call(d, "GET", objectPath("b", "r", "?alt=media&ifGenerationNotMatch=1"))).status, 200);
  const missing = await call(d, "GET", objectPath("b", "nope", "?ifGenerationMatch=1"));
  a.is(missing.status, 404);
  a.is(missing.json.error.errors[0].reason, "notFound");

  const patched = await call(d, "PATCH", objectPath("b", "r", "?ifMetagenerationMatch=1"), JSON.stringify({ metadata: { k: "v" } }), { "content-type": "application/json" });
  a.is(patched.json.metageneration, "2");
  a.is(patched.json.generation, gen, "a metadata update keeps the generation");
  a.deepEqual(patched.json.metadata, { k: "v" });
  assertPreconditionError(a, await call(d, "PATCH", objectPath("b", "r", "?ifMetagenerationMatch=1"), "{}"));
  assertPreconditionError(a, await upload(d, "b", "r", "y", "&ifMetagenerationMatch=1"));
  a.is((await upload(d, "b", "r", "y", `&ifGenerationMatch=${gen}&ifMetagenerationMatch=2`)).status, 200);
}));

test("double: DELETE is 404 when missing, 412 on a generation mismatch, 204 otherwise", (a) => withDouble(a, async (d) => {
  const missing = await call(d, "DELETE", objectPath("b", "gone"));
  a.is(missing.status, 404);
  a.is(missing.json.error.code, 404);
  a.is(missing.json.error.errors[0].reason, "notFound");
  const gen = (await upload(d, "b", "del", "x")).json.generation as string;
  assertPreconditionError(a, await call(d, "DELETE", objectPath("b", "del", "?ifGenerationMatch=1")));
  a.is((await call(d, "DELETE", objectPath("b", "del", `?ifGenerationMatch=${gen}`))).status, 204);
  a.is((await call(d, "GET", objectPath("b", "del"))).status, 404);
}));

test("double: list pages over more than 1000 objects with nextPageToken, in UTF-8 byte order", (a) => withDouble(a, async (d) => {
  const names = Array.from({ length: 1234 }, (_, i) => `p/${String(i).padStart(4, "0")}`);
  names.push("p/\u00e9", "p/z", "p/\u{1F680}", "q/outside");
  for (let i = 0; i < names.length; i += 100) await Promise.all(names.slice(i, i + 100).map((n) => upload(d, "b", n, "x")));

  const first = await call(d, "GET", "/storage/v1/b/b/o?prefix=p%2F");
  a.is(first.json.kind, "storage#objects");
  a.is(first.json.items.length, 1000, "the default page is 1000 items");
  a.is(typeof first.json.nextPageToken, "string");
  const second = await call(d, "GET", `/storage/v1/b/b/o?prefix=p%2F&pageToken=${encodeURIComponent(first.json.nextPageToken)}`);
  a.is(second.json.items.length, 237);
  a.is(second.json.nextPageToken, undefined);
  const all = [...first.json.items, ...second.json.items].map((o: { name: string }) => o.name);
  const expected = names.filter((n) => n.startsWith("p/")).sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
  a.deepEqual(all, expected);
  a.is(all.at(-1), "p/\u{1F680}", "4-byte UTF-8 sorts after 2-byte UTF-8");

  // Small pages, startOffset (inclusive) and endOffset (exclusive).
  const seen: string[] = [];
  let token: string | undefined;
  do {
    const r: JsonResponse = await call(d, "GET", `/storage/v1/b/b/o?prefix=p%2F&maxResults=7&startOffset=p%2F1200&endOffset=p%2F1230${token ? `&pageToken=${encodeURIComponent(token)}` : ""}`);
    a.true((r.json.items ?? []).length <= 7);
    seen.push(...(r.json.items ?? []).map((o: { name: string }) => o.name));
    token = r.json.nextPageToken;
  } while (token);
  a.deepEqual(seen, expected.filter((n) => n >= "p/1200" && n < "p/1230"));

  const empty = await call(d, "GET", "/storage/v1/b/b/o?prefix=none%2F");
  a.is(empty.json.items, undefined, "GCS omits items when there are none");
  const delim = await call(d, "GET", "/storage/v1/b/b/o?delimiter=%2F");
  a.deepEqual(delim.json.prefixes, ["p/", "q/"]);
  a.is(delim.json.items, undefined);
}));

test("double: names with spaces, unicode, '+', '%' and '/' round-trip through upload, get, list", (a) => withDouble(a, async (d) => {
  const names = ["a b/c d", "ünï/ключ 🚀", "x+y=z", "pct%20lit", "dir/sub/leaf"];
  for (const n of names) a.is((await upload(d, "b", n, n)).json.name, n);
  for (const n of names) {
    a.is((await call(d, "GET", objectPath("b", n, "?alt=media"))).json, n);
    a.is((await call(d, "GET", `/download/storage/v1/b/b/o/${encodeURIComponent(n)}?alt=media`)).json, n);
    a.is((await call(d, "GET", objectPath("b", n))).json.name, n);
  }
  a.is((await call(d, "GET", "/storage/v1/b/b/o/x+y=z?alt=media")).json, "x+y=z", "a raw '+' in the path is a plus, not a space");
  const listed = (await call(d, "GET", "/storage/v1/b/b/o")).json.items.map((o: { name: string }) => o.name);
  a.deepEqual([...listed].sort(), [...names].sort());
}));

test("double: media downloads carry generation, hashes and custom metadata headers", (a) => withDouble(a, async (d) => {
  const s = new Storage({ apiEndpoint: d.endpoint, useAuthWithCustomEndpoint: false, retryOptions: { autoRetry: false } });
  const file = s.bucket("b").file("m");
  await file.save("hello", { resumable: false, metadata: { metadata: { "og-writer": "tok" } } });
  const r = await call(d, "GET", objectPath("b", "m", "?alt=media"));
  a.is(r.json, "hello");
  a.is(r.headers.get("x-goog-generation"), String(file.metadata.generation));
  a.is(r.headers.get("x-goog-metageneration"), "1");
  a.is(r.headers.get("x-goog-hash"), `crc32c=${crc32cBase64(Buffer.from("hello"))},md5=${createHash("md5").update("hello").digest("base64")}`);
  a.is(r.headers.get("x-goog-stored-content-length"), "5");
  a.is(r.headers.get("x-goog-meta-og-writer"), "tok");
  // The client validates the crc32c of what it downloads; a wrong header would fail this.
  a.is((await file.download())[0].toString(), "hello");
}));

test("double: multipart upload checks a client-supplied md5Hash", (a) => withDouble(a, async (d) => {
  const boundary = "b0undary";
  const part = (meta: object, data: string) => `--${boundary}\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(meta)}\r\n--${boundary}\r\nContent-Type: text/plain\r\n\r\n${data}\r\n--${boundary}--`;
  const headers = { "content-type": `multipart/related; boundary=${boundary}` };
  const ok = await call(d, "POST", "/upload/storage/v1/b/b/o?uploadType=multipart&name=mp", part({ md5Hash: createHash("md5").update("data").digest("base64"), metadata: { a: "1" } }, "data"), headers);
  a.is(ok.status, 200);
  a.deepEqual(ok.json.metadata, { a: "1" });
  a.is(ok.json.contentType, "text/plain");
  const bad = await call(d, "POST", "/upload/storage/v1/b/b/o?uploadType=multipart&name=mp2", part({ md5Hash: createHash("md5").update("other").digest("base64") }, "data"), headers);
  a.is(bad.status, 400);
  a.is(bad.json.error.errors[0].reason, "invalid");
  a.is((await call(d, "GET", objectPath("b", "mp2"))).status, 404);
}));

test("double: resumable uploads (single request and chunked) through the client; preconditions hold at finalize", (a) => withDouble(a, async (d) => {
  const s = new Storage({ apiEndpoint: d.endpoint, useAuthWithCustomEndpoint: false, retryOptions: { autoRetry: false } });
  const bucket = s.bucket("b");
  const big = randomBytes(600 * 1024 + 17);
  const write = (name: string, data: Buffer, opts: object) => new Promise<void>((resolve, reject) => {
    Readable.from([data.subarray(0, 1000), data.subarray(1000)]).pipe(bucket.file(name).createWriteStream(opts)).on("finish", resolve).on("error", reject);
  });
  await write("single", big, { resumable: true, preconditionOpts: { ifGenerationMatch: 0 } });
  a.true((await bucket.file("single").download())[0].equals(big));
  const before = d.requestCount;
  await write("chunked", big, { resumable: true, chunkSize: 256 * 1024 });
  a.is(d.requestCount - before, 4, "initiate + three 256 KiB-chunk PUTs");
  a.true((await bucket.file("chunked").download())[0].equals(big));
  const err = await write("single", big, { resumable: true, preconditionOpts: { ifGenerationMatch: 0 } }).then(() => undefined, (e: { code?: unknown }) => e);
  a.is(err?.code, 412);

  // Initiate with ifGenerationMatch=0, create the object meanwhile, then finish: 412.
  const init = await call(d, "POST", "/upload/storage/v1/b/b/o?uploadType=resumable&name=late&ifGenerationMatch=0", "{}", { "content-type": "application/json" });
  const session = init.headers.get("location")!;
  a.truthy(session);
  const chunk = await fetch(session, { method: "PUT", body: "ab", headers: { "content-range": "bytes 0-1/*" } });
  a.is(chunk.status, 308);
  a.is(chunk.headers.get("range"), "bytes=0-1");
  await upload(d, "b", "late", "someone else");
  const fin = await fetch(session, { method: "PUT", body: "cd", headers: { "content-range": "bytes 2-3/4" } });
  a.is(fin.status, 412);
  a.is((await call(d, "GET", objectPath("b", "late", "?alt=media"))).json, "someone else");
}));

// ---------------------------------------------------------------- GcsStore against the double

test("driver: create-only twice, CAS with the returned version, stale version fails", (a) => withDouble(a, async (d) => {
  const s = store(d);
  const { version: v1 } = await s.put("manifest/00001.json", "one", { ifNoneMatch: "*", writerToken: "w1" });
  a.regex(v1, /^[1-9][0-9]*$/);
  a.is(await codeOf(s.put("manifest/00001.json", "again", { ifNoneMatch: "*" })), "ERR_PRECONDITION_FAILED");
  const { version: v2 } = await s.put("manifest/00001.json", "two", { ifMatch: v1, writerToken: "w2" });
  a.not(v2, v1);
  a.is(await codeOf(s.put("manifest/00001.json", "stale", { ifMatch: v1 })), "ERR_PRECONDITION_FAILED");
  a.is(await codeOf(s.put("manifest/missing", "x", { ifMatch: v1 })), "ERR_PRECONDITION_FAILED");
  a.is(await codeOf(s.put("manifest/00001.json", "x", { ifMatch: "0" })), "ERR_PRECONDITION_FAILED", "'0' must not turn into create-only");
  const head = await s.head("manifest/00001.json");
  a.is(head.version, v2);
  a.is(head.writerToken, "w2");
  a.is(head.size, 3);
  const got = await s.get("manifest/00001.json");
  a.is(got.body.toString(), "two");
  a.is(got.version, v2);
  a.is(got.writerToken, "w2");
  // Keys are stored under the prefix.
  a.is((await call(d, "GET", objectPath("og-test", "tenants/t1/manifest/00001.json"))).status, 200);
}));

test("driver: conditional get, streams, list, delete", (a) => withDouble(a, async (d) => {
  const s = store(d, "pre/");
  const { version } = await s.put("g/a", "A");
  a.is(await s.get("g/a", { ifNoneMatch: version }), undefined);
  a.is((await s.get("g/a", { ifNoneMatch: "12345" }))?.body.toString(), "A");
  a.is(await codeOf(s.get("g/none")), "ERR_NOT_FOUND");
  a.is(await codeOf(s.get("g/none", { ifNoneMatch: version })), "ERR_NOT_FOUND");
  a.is(await codeOf(s.getStream("g/none")), "ERR_NOT_FOUND");

  const big = randomBytes(3 * 1024 * 1024 + 5);
  const put = await s.put("g/big", Readable.from([big.subarray(0, 65536), big.subarray(65536)]), { writerToken: "st" });
  const { info, body } = await s.getStream("g/big");
  a.is(info.version, put.version);
  a.is(info.size, big.length);
  a.is(info.writerToken, "st");
  a.true((await streamToBuffer(body)).equals(big));

  await s.put("g/b", "B");
  await s.put("g/c", "C");
  await s.put("h/x", "X");
  const page = await s.listPage("g/");
  a.deepEqual(page.items.map((i) => i.key), ["g/a", "g/b", "g/big", "g/c"]);
  a.is(page.cursor, undefined);
  a.is(page.items[0]!.writerToken, undefined, "no writer token in list results");
  a.is(page.items[0]!.version, version);
  a.is(page.items[2]!.size, big.length);
  const small = await s.listPage("g/", { maxKeys: 2 });
  a.deepEqual(small.items.map((i) => i.key), ["g/a", "g/b"]);
  const rest = await s.listPage("g/", { maxKeys: 2, cursor: small.cursor! });
  a.deepEqual(rest.items.map((i) => i.key), ["g/big", "g/c"]);
  a.deepEqual((await listAll(s, "", { startAfter: "g/b" })).map((i) => i.key), ["g/big", "g/c", "h/x"]);
  a.deepEqual((await listAll(s, "g/", { limit: 3 })).map((i) => i.key), ["g/a", "g/b", "g/big"]);

  await s.delete("g/b");
  a.is(await codeOf(s.head("g/b")), "ERR_NOT_FOUND");
  await s.delete("g/b");
  a.is(await codeOf(s.delete("g/b", { ifMatch: version })), "ERR_PRECONDITION_FAILED");
  a.is(await codeOf(s.delete("g/a", { ifMatch: "1" })), "ERR_PRECONDITION_FAILED");
  await s.delete("g/a", { ifMatch: version });
  a.is(await codeOf(s.head("g/a")), "ERR_NOT_FOUND");
}));

test("driver: 16 racing create-only puts have exactly one winner", (a) => withDouble(a, async (d) => {
  const s = store(d);
  const results = await Promise.all(Array.from({ length: 16 }, (_, i) => codeOf(s.put("race", `w${i}`, { ifNoneMatch: "*" }))));
  a.is(results.filter((r) => r === "ok").length, 1);
  a.is(results.filter((r) => r === "ERR_PRECONDITION_FAILED").length, 15);
}));

test("driver: one HTTP request per operation", (a) => withDouble(a, async (d) => {
  const s = store(d);
  let v = "";
  a.is(await countRequests(d, async () => (v = (await s.put("k", "x", { ifNoneMatch: "*", writerToken: "t" })).version)), 1, "put create-only");
  a.is(await countRequests(d, () => s.put("k", "y", { ifMatch: v }).then((r) => (v = r.version))), 1, "put CAS");
  a.is(await countRequests(d, () => s.put("k", "z", { ifMatch: "1" })), 1, "failed put CAS");
  a.is(await countRequests(d, () => s.get("k")), 1, "get");
  a.is(await countRequests(d, () => s.get("k", { ifNoneMatch: v })), 1, "conditional get");
  a.is(await countRequests(d, () => s.getStream("k").then((r) => streamToBuffer(r.body))), 1, "getStream");
  a.is(await countRequests(d, () => s.head("k")), 1, "head");
  a.is(await countRequests(d, () => s.listPage("")), 1, "listPage");
  a.is(await countRequests(d, () => s.put("k", Readable.from(["s"]))), 1, "stream put");
  a.is(await countRequests(d, () => s.delete("missing")), 1, "delete of a missing key");
  a.is(await countRequests(d, () => s.delete("k")), 1, "delete");
  a.is(await countRequests(d, () => s.put("a//b", "x")), 0, "invalid key: no request");
}));

test("driver: errors map to typed codes and are never retried by the driver", (a) => withDouble(a, async (d) => {
  const s = store(d, "p");
  const fast = store(d, "p", 800);
  await s.put("k", "x");
  const cases: Array<[object, () => Promise<unknown>, StorageErrorCode]> = [
    [{ status: 503 }, () => s.head("k"), "ERR_UNAVAILABLE"],
    [{ status: 500 }, () => s.put("k", "y", { ifNoneMatch: "*" }), "ERR_UNAVAILABLE"],
    [{ status: 429 }, () => s.get("k"), "ERR_THROTTLED"],
    [{ status: 429 }, () => s.listPage(""), "ERR_THROTTLED"],
    [{ status: 401 }, () => s.head("k"), "ERR_AUTH"],
    [{ status: 403 }, () => s.get("k"), "ERR_AUTH"],
    [{ status: 409, reason: "conflict" }, () => s.put("k", "y"), "ERR_CONFLICT_RETRYABLE"],
    [{ status: 400, reason: "invalid" }, () => s.delete("k"), "ERR_STORAGE"],
    [{ drop: "before" }, () => s.get("k"), "ERR_UNAVAILABLE"],
    [{ drop: "before" }, () => s.put("k", "y"), "ERR_UNAVAILABLE"],
    [{ delayMs: 5000 }, () => fast.head("k"), "ERR_TIMEOUT"],
    [{ delayMs: 5000 }, () => fast.get("k"), "ERR_TIMEOUT"],
    [{ delayMs: 5000 }, () => fast.put("k", "y"), "ERR_TIMEOUT"],
    [{ delayMs: 5000 }, () => fast.listPage(""), "ERR_TIMEOUT"],
    [{ delayMs: 5000 }, () => fast.delete("k"), "ERR_TIMEOUT"],
  ];
  for (const [fault, op, code] of cases) {
    d.injectFault({ ...fault, times: 5 });
    const before = d.requestCount;
    const started = Date.now();
    a.is(await codeOf(op()), code, JSON.stringify(fault));
    a.is(d.requestCount - before, 1, `no driver retry for ${JSON.stringify(fault)}`);
    if (code === "ERR_TIMEOUT") a.true(Date.now() - started < 4000, "the deadline fires, not the server's late answer");
    d.reset();
    await s.put("k", "x");
  }
  const closed = await startGcsDouble();
  await closed.close();
  a.is(await codeOf(store(closed).head("k")), "ERR_UNAVAILABLE", "connection refused");
}));

test("driver: a lost put response leaves our object, with our writer token, at the store", (a) => withDouble(a, async (d) => {
  const s = store(d);
  d.injectFault({ drop: "after" });
  a.is(await codeOf(s.put("lost", "mine", { ifNoneMatch: "*", writerToken: "tok-1" })), "ERR_UNAVAILABLE");
  const head = await s.head("lost");
  a.is(head.writerToken, "tok-1");
  a.is(await codeOf(s.put("lost", "mine", { ifNoneMatch: "*", writerToken: "tok-1" })), "ERR_PRECONDITION_FAILED");
}));

test("driver: an abandoned download does not break other requests in flight", (a) => withDouble(a, async (d) => {
  // createReadStream destroys its request's agent on a stream error; the driver keeps
  // downloads off the shared keep-alive agent so this cannot reset unrelated requests.
  const s = store(d);
  await s.put("big", randomBytes(8 << 20));
  await s.put("small", "x");
  d.injectFault({ delayMs: 400, match: (_m, url) => url.includes("small") });
  const slow = codeOf(s.head("small"));
  await new Promise((r) => setTimeout(r, 100));
  const { body } = await s.getStream("big");
  body.on("error", () => undefined);
  body.once("data", () => body.destroy());
  a.is(await slow, "ok");
  a.is((await s.get("small")).body.toString(), "x");
}));

test("driver: a failing stream body fails the put and stores nothing", (a) => withDouble(a, async (d) => {
  const s = store(d);
  async function* broken() {
    yield Buffer.from("partial");
    await new Promise((r) => setTimeout(r, 20));
    throw new Error("source failed");
  }
  a.is(await codeOf(s.put("half", Readable.from(broken()), { ifNoneMatch: "*" })), "ERR_STORAGE");
  a.is(await codeOf(s.head("half")), "ERR_NOT_FOUND");
}));

test("driver: lance() location and description", (a) => withDouble(a, async (d) => {
  const s = store(d);
  const loc = s.lance("graphs/g1/nodes/Person.lance");
  a.is(loc.uri, "gs://og-test/tenants/t1/graphs/g1/nodes/Person.lance");
  a.deepEqual(loc.storageOptions, { google_base_url: d.endpoint, google_skip_signature: "true", allow_http: "true" });
  a.is(store(d, "").lance().uri, "gs://og-test");
  const prod = new GcsStore({ bucket: "bkt", prefix: "t/" });
  a.deepEqual(prod.lance("x"), { uri: "gs://bkt/t/x", storageOptions: {} });
  a.is(prod.description, "gs://bkt/t");
  a.is(prod.kind, "gcs");
  a.deepEqual(prod.capabilities, { writerToken: true, conditionalDelete: true });
}));
