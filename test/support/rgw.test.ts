import test from "ava";
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { freshPrefix, rgwRequired, rgwRequirement, type RgwEnv } from "./rgw.ts";

const title = "RGW refuses a second create-only PutObject (If-None-Match: *) with 412";
const requirement = rgwRequirement();

function client(env: RgwEnv): S3Client {
  return new S3Client({
    endpoint: env.endpoint,
    region: env.region,
    forcePathStyle: true,
    credentials: { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey },
  });
}

// Run when RGW is there; under CI (rgwRequired) also run, to fail; otherwise register as skipped, with the reason.
const variant = "env" in requirement || rgwRequired ? test : test.skip;
const reason = "missing" in requirement ? requirement.missing : "";
if (reason && !rgwRequired) console.error(`[rgw.test] skipped: ${reason}`);

variant(reason && !rgwRequired ? `${title} (skipped: ${reason})` : title, async (t) => {
  if (!("env" in requirement)) {
    t.fail(`${requirement.missing} Under CI=true tests that need RGW fail instead of skipping; .ci/run starts it.`);
    return;
  }
  const { env } = requirement;
  const s3 = client(env);
  const Key = `${freshPrefix("rgw-harness")}create-only`;
  t.teardown(async () => {
    await s3.send(new DeleteObjectCommand({ Bucket: env.bucket, Key }));
    s3.destroy();
  });

  const first = await s3.send(new PutObjectCommand({ Bucket: env.bucket, Key, Body: "first", IfNoneMatch: "*" }));
  t.is(first.$metadata.httpStatusCode, 200);

  const second = await t.throwsAsync(
    s3.send(new PutObjectCommand({ Bucket: env.bucket, Key, Body: "second", IfNoneMatch: "*" })),
    { instanceOf: S3ServiceException },
  );
  t.is(second?.$metadata.httpStatusCode, 412);

  const stored = await s3.send(new GetObjectCommand({ Bucket: env.bucket, Key }));
  t.is(await stored.Body?.transformToString(), "first", "the refused write must not replace the object");
});
