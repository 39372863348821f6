// Writes dist/image.json, the build's machine-readable output that the
// deployment kit and image:mirror read: which image, by digest, from which commit.
import { statSync, writeFileSync } from "node:fs";
import { relative, dirname } from "node:path";

const env = process.env;
const need = (name) => {
  const v = env[name];
  if (!v) throw new Error(`write-image-json: ${name} is not set`);
  return v;
};
const out = need("IMAGE_JSON");
const archive = need("ARCHIVE");
const image = {
  schema: "omnigraph.image/v1",
  repository: need("REPOSITORY"),
  tag: need("TAG"),
  digest: need("DIGEST"),
  revision: need("REVISION"),
  version: need("VERSION"),
  created: need("CREATED"),
  commit_epoch: Number(need("SDE")),
  platform: "linux/amd64",
  archive: relative(dirname(out), archive),
  archive_bytes: statSync(archive).size,
  node_version: need("NODE_VERSION"),
  build_bases: { base_image: need("BASE_IMAGE"), node_image: need("NODE_IMAGE") },
};
writeFileSync(out, `${JSON.stringify(image, null, 2)}\n`);
