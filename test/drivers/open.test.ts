import test from "ava";
import { isStorageError } from "../../drivers/errors.ts";
import { FsStore } from "../../drivers/fs.ts";
import { openStore, parseStoreUrl } from "../../drivers/open.ts";
import { RetryingStore } from "../../drivers/retry.ts";

test("storage URLs choose the driver and its settings", (t) => {
  t.deepEqual(parseStoreUrl("memory://unit"), { scheme: "memory", name: "unit" });
  t.deepEqual(parseStoreUrl("fs:///var/lib/omnigraph"), { scheme: "fs", root: "/var/lib/omnigraph" });
  t.deepEqual(parseStoreUrl("/var/lib/omnigraph"), { scheme: "fs", root: "/var/lib/omnigraph" });
  t.is((parseStoreUrl("./data") as { root: string }).root, `${process.cwd()}/data`);
  t.deepEqual(parseStoreUrl("s3://graphs/prod/eu?endpoint=http://127.0.0.1:7480&region=eu-west-1"), {
    scheme: "s3", bucket: "graphs", prefix: "prod/eu", endpoint: "http://127.0.0.1:7480", region: "eu-west-1", forcePathStyle: undefined,
  });
  t.deepEqual(parseStoreUrl("s3://graphs"), { scheme: "s3", bucket: "graphs", prefix: "", endpoint: undefined, region: undefined, forcePathStyle: undefined });
  t.deepEqual(parseStoreUrl("minio://minio.local:9000/og/tenants?useSSL=false"), {
    scheme: "minio", host: "minio.local", port: 9000, useSSL: false, bucket: "og", prefix: "tenants", region: undefined,
  });
  t.deepEqual(parseStoreUrl("gs://bucket/p/q?apiEndpoint=http://127.0.0.1:4443"), {
    scheme: "gs", bucket: "bucket", prefix: "p/q", apiEndpoint: "http://127.0.0.1:4443", projectId: undefined,
  });
});

test("bad storage URLs fail ERR_INVALID_STORE_URL", (t) => {
  for (const url of [
    "", "ftp://x/y", "s3://", "s3://b/p?endpoint=not-a-url", "s3://b/p?regoin=eu", "s3://key:secret@bucket/p",
    "minio://host:9000", "minio://h:1/b?useSSL=maybe", "memory://", "fs://relative/path", "gs://", "s3:bucket",
  ]) {
    const err = t.throws(() => parseStoreUrl(url), undefined, url);
    t.true(isStorageError(err, "ERR_INVALID_STORE_URL"), `${url}: ${String(err)}`);
  }
});

test("an error about a URL never repeats credentials written in it", (t) => {
  const err = t.throws(() => parseStoreUrl("s3://AKIA123:supersecret@bucket/p"));
  t.false(String(err?.message).includes("supersecret"));
});

test("openStore wraps every driver in the retry layer unless told not to", (t) => {
  const s = openStore("memory://wrap");
  t.true(s instanceof RetryingStore);
  t.true(openStore("/tmp/og-open-test", { retry: false }) instanceof FsStore);
});
