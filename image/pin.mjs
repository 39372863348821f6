#!/usr/bin/env node
// `npm run image:pin -- --stack Pulumi.<stage>.yaml [--registry <host[:port]>] [--image-json dist/image.json]`
//
// Pins a deployment-kit stack config to the image that `npm run image` built:
// sets `omnigraph-cloud:image` to {registry, repository, digest} from
// dist/image.json (registry from --registry, else the one already in the file),
// keeping every other line and comment of the file. `pulumi up -s <stage>` and
// `omnigraph render --stage <stage> --config <file>` then reference the image by
// that digest for every role. A plain YAML map (no `config:`) takes the key `image`.
//
// Exit codes: 0 pinned (prints registry/repository@digest), 2 bad input.
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { isMap, parseDocument } from "yaml";

const USAGE = "usage: npm run image:pin -- --stack <Pulumi.<stage>.yaml> [--registry <host[:port]>] [--image-json <file>]";
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const REPOSITORY = /^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;
const REGISTRY = /^([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\])(:[0-9]+)?$/;

function refuse(msg) {
  process.stderr.write(`image:pin: ${msg}\n${USAGE}\n`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({ options: { stack: { type: "string" }, registry: { type: "string" }, "image-json": { type: "string" } } }));
} catch (e) {
  refuse(e.message);
}
if (!values.stack) refuse("--stack is required");
if (values.registry !== undefined && !REGISTRY.test(values.registry)) refuse(`--registry '${values.registry}' is not host[:port]`);

const imageJsonPath = resolve(values["image-json"] ?? "dist/image.json");
let image;
try {
  image = JSON.parse(readFileSync(imageJsonPath, "utf8"));
} catch (e) {
  refuse(`cannot read ${imageJsonPath} (run \`npm run image\` first): ${e.message}`);
}
if (typeof image.digest !== "string" || !DIGEST.test(image.digest)) refuse(`${imageJsonPath}: "digest" is not sha256:<64 hex>`);
if (typeof image.repository !== "string" || !REPOSITORY.test(image.repository)) refuse(`${imageJsonPath}: "repository" is not a repository path`);

const stackPath = resolve(values.stack);
let doc;
try {
  doc = parseDocument(readFileSync(stackPath, "utf8"));
} catch (e) {
  refuse(`cannot read ${stackPath}: ${e.message}`);
}
if (doc.errors.length > 0) refuse(`${stackPath} is not valid YAML: ${doc.errors[0].message}`);
const pulumiShaped = isMap(doc.contents) && doc.contents.has("config");
const path = pulumiShaped ? ["config", "omnigraph-cloud:image"] : ["image"];
const current = doc.getIn(path);
const currentRegistry = isMap(current) ? current.get("registry") : undefined;
const registry = values.registry ?? currentRegistry;
if (typeof registry !== "string" || registry === "") refuse(`${stackPath} has no ${path.join(".")}.registry; pass --registry <host[:port]>`);

// Replace the block wholesale: a stale `tag` next to the new digest would be ambiguous.
doc.setIn(path, doc.createNode({ registry, repository: image.repository, digest: image.digest }));
writeFileSync(stackPath, doc.toString());
process.stdout.write(`${registry}/${image.repository}@${image.digest}\n`);
