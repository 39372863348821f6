/**
 * Smoke test of what is rendered (RFC 0002 testing notes, stage 3): render a stage,
 * take the data-plane containers' env, args and ConfigMaps exactly as rendered, start
 * `omnigraph serve` with them as real processes against a loopback RGW standing in for
 * the object store, create a graph (declared in the config: the writer creates it at
 * boot), load and query — and show the processes connected to nothing but the object
 * store. Rewritten, and only these: the store URL (endpoint/bucket/prefix → RGW), the
 * listen address (→ 127.0.0.1:0), a reader's writer_url (→ the loopback writer), proxy
 * variables' values (→ a loopback recorder), mounted paths (→ the materialised volumes),
 * and Secret values (which the operator or IRSA provides, never the render).
 */
import test from "ava";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseStackConfig } from "../../stacks/config.ts";
import { planDeployment } from "../../stacks/plan.ts";
import { renderDeployment } from "../../stacks/render.ts";
import { rgwSuite } from "../support/rgw-suite.ts";
import { freshPrefix, type RgwEnv } from "../support/rgw.ts";
import { rawStack, ROOT } from "../components/support.ts";
import { findObject, materialise, proxyRecorder, readRendered, startPod, watchSockets, type Running } from "./smoke-support.ts";

const TOKEN = "og_smoke_admin_0123456789abcdef";
const PEOPLE = readFileSync(join(ROOT, "test/contract/fixtures/test.jsonl"), "utf8");
/** What the query must return, computed from the data file: people over 30, oldest first. */
const OVER_30 = PEOPLE.trim().split("\n").map((l) => JSON.parse(l) as { type: string; data: { name: string; age?: number } })
  .filter((r) => r.type === "Person" && (r.data.age ?? 0) > 30).sort((a, b) => b.data.age! - a.data.age!).map((r) => r.data.name);
const ADULTS = "query adults() {\n  match {\n    $p: Person\n    $p.age > 30\n  }\n  return { $p.name, $p.age }\n  order { $p.age desc }\n}\n";

function renderInto(raw: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), "og-smoke-render-"));
  for (const [f, content] of renderDeployment(planDeployment(parseStackConfig(raw), { projectDir: ROOT }))) writeFileSync(join(dir, f), content);
  return dir;
}

/** The rendered store URL, pointed at RGW under a fresh prefix (the prefix kept beneath it). */
const toRgw = (rgw: RgwEnv, prefix: string) => (url: string) => {
  const u = new URL(url.replace(/^s3:\/\//, "http://"));
  return `s3://${rgw.bucket}/${prefix}${u.pathname.replace(/^\/+/, "")}?endpoint=${rgw.endpoint}&region=${rgw.region}&pathStyle=true`;
};

async function api(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`http://${base}${path}`, {
    method, headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: keep the text for the assertion message
  }
  return { status: res.status, json };
}

async function ready(base: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const r = await fetch(`http://${base}/readyz`).catch(() => undefined);
    if (r?.status === 200) return;
    await new Promise((x) => setTimeout(x, 200));
  }
  throw new Error(`${base} never became ready`);
}

const rgwHost = (rgw: RgwEnv) => new URL(rgw.endpoint).host.replace("localhost", "127.0.0.1");

test.serial("the socket monitor sees a process's outbound connection (the no-other-connection check can fail)", async (t) => {
  const { createServer } = await import("node:net");
  const { spawn } = await import("node:child_process");
  const target = createServer((s) => s.on("data", () => undefined));
  await new Promise<void>((r) => target.listen(0, "127.0.0.1", r));
  t.teardown(() => target.close());
  const port = (target.address() as { port: number }).port;
  const child = spawn(process.execPath, ["-e", `require("net").connect(${port}, "127.0.0.1", () => console.log("up")); setInterval(() => {}, 1000)`], { stdio: ["ignore", "pipe", "ignore"] });
  t.teardown(() => child.kill("SIGKILL"));
  await new Promise((r) => child.stdout!.once("data", r));
  const w = watchSockets(child.pid!, 1);
  await new Promise((r) => setTimeout(r, 100));
  t.true(w.stop().includes(`tcp 127.0.0.1:${port}`));
});

rgwSuite(test, "render smoke", (rgw) => {
  const secrets = {
    "omnigraph-minio-credentials": { "access-key": rgw.accessKeyId, "secret-key": rgw.secretAccessKey },
    "omnigraph-tokens": { "tokens.json": JSON.stringify({ admin: TOKEN }) },
  };

  test.serial("airgapped: the rendered writer serves a graph from the object store and connects nowhere else", async (t) => {
    const dir = renderInto(rawStack("airgapped"));
    const objects = readRendered(dir);
    const recorder = await proxyRecorder();
    t.teardown(recorder.close);
    // The site's CA bundle ConfigMap is the operator's; this machine's trust store stands in for it.
    const externalConfigMaps = { "site-ca": { "ca.crt": readFileSync("/etc/ssl/certs/ca-certificates.crt", "utf8") } };
    const pod = materialise(objects, findObject(objects, "StatefulSet", "omnigraph-writer"), { secrets, externalConfigMaps, store: toRgw(rgw, freshPrefix("kit-smoke-airgapped")), proxy: recorder.url });
    // The air-gapped render sets no proxy; the recorder is the instrument, with the NO_PROXY the kit computes for a loopback store.
    Object.assign(pod.env, { HTTP_PROXY: recorder.url, HTTPS_PROXY: recorder.url, ALL_PROXY: recorder.url, NO_PROXY: "127.0.0.1,localhost,::1" });
    t.deepEqual(pod.changedKeys, ["auth.static.tokens_file", "bind", "graphs.people.schema", "policy.bundle", "store"]);
    t.is(pod.renderedConfig.role, "writer");
    const proc: Running = await startPod(pod);
    t.teardown(proc.stop);
    const port = Number(proc.address.split(":").pop());
    const sockets = watchSockets(proc.child.pid!, port);

    await ready(proc.address);
    const graphs = await api(proc.address, "GET", "/graphs");
    t.is(graphs.status, 200, JSON.stringify(graphs.json));
    t.deepEqual(graphs.json.graphs.map((g: { graph_id: string }) => g.graph_id), ["people"]);
    const load = await api(proc.address, "POST", "/graphs/people/load", { data: PEOPLE, branch: "main", mode: "overwrite" });
    t.is(load.status, 200, JSON.stringify(load.json));
    const q = await api(proc.address, "POST", "/graphs/people/query", { query: ADULTS, name: "adults" });
    t.is(q.status, 200, JSON.stringify(q.json));
    t.deepEqual(q.json.rows.map((r: Record<string, unknown>) => Object.values(r)[0]), OVER_30);

    const remotes = sockets.stop();
    t.true(remotes.length > 0, "the socket monitor saw the object-store connections");
    t.deepEqual(remotes.filter((r) => r !== `tcp ${rgwHost(rgw)}`), [], `connections other than the object store: ${remotes.join(", ")}`);
    t.deepEqual(recorder.seen, []);
  });

  test.serial("the expected rows are not empty (the query check can fail)", (t) => {
    t.true(OVER_30.length > 0);
  });

  test.serial("byoc (S3 in the customer's account): the rendered reader and writer pair serve from the object store only", async (t) => {
    const raw = {
      ...rawStack("byoc"),
      "omnigraph-cloud:storage": { provider: "s3", bucket: "acme-graphs", prefix: "graphs", region: "eu-west-1" },
      "omnigraph-cloud:identity": { kind: "aws", accountId: "210987654321", oidcProviderArn: "arn:aws:iam::210987654321:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ACME" },
      "omnigraph-cloud:auth": { mode: "static", tokensSecret: "omnigraph-tokens" },
      "omnigraph-cloud:graphs": { people: { schema: "docs/deploy/examples/people.pg" } },
    };
    const objects = readRendered(renderInto(raw));
    const recorder = await proxyRecorder();
    t.teardown(recorder.close);
    const store = toRgw(rgw, freshPrefix("kit-smoke-byoc"));
    // IRSA hands the pod short-lived keys; here the RGW user's keys stand in for them.
    const irsa = { AWS_ACCESS_KEY_ID: rgw.accessKeyId, AWS_SECRET_ACCESS_KEY: rgw.secretAccessKey };
    const writerPod = materialise(objects, findObject(objects, "StatefulSet", "omnigraph-writer"), { secrets, store, proxy: recorder.url });
    Object.assign(writerPod.env, irsa);
    t.true(writerPod.env.HTTPS_PROXY === recorder.url && writerPod.env.NO_PROXY!.split(",").includes("127.0.0.1"), "the rendered proxy knob is in effect");
    const writer = await startPod(writerPod);
    t.teardown(writer.stop);
    const writerSockets = watchSockets(writer.child.pid!, Number(writer.address.split(":").pop()));
    await ready(writer.address);
    const load = await api(writer.address, "POST", "/graphs/people/load", { data: PEOPLE, branch: "main", mode: "overwrite" });
    t.is(load.status, 200, JSON.stringify(load.json));

    const readerPod = materialise(objects, findObject(objects, "Deployment", "omnigraph-reader"), { secrets, store, proxy: recorder.url, writerUrl: `http://${writer.address}` });
    Object.assign(readerPod.env, irsa);
    t.is(readerPod.renderedConfig.role, "reader");
    const reader = await startPod(readerPod);
    t.teardown(reader.stop);
    const readerSockets = watchSockets(reader.child.pid!, Number(reader.address.split(":").pop()));
    await ready(reader.address);
    const q = await api(reader.address, "POST", "/graphs/people/query", { query: ADULTS, name: "adults" });
    t.is(q.status, 200, JSON.stringify(q.json));
    t.deepEqual(q.json.rows.map((r: Record<string, unknown>) => Object.values(r)[0]), OVER_30);
    const refused = await api(reader.address, "POST", "/graphs/people/load", { data: PEOPLE, branch: "main", mode: "append" });
    t.true(refused.status === 409 || refused.status === 421, `reader answered a write with ${refused.status}`);

    for (const [who, s] of [["writer", writerSockets], ["reader", readerSockets]] as const) {
      const remotes = s.stop();
      t.true(remotes.length > 0, `${who}: the socket monitor saw the object-store connections`);
      t.deepEqual(remotes.filter((r) => r !== `tcp ${rgwHost(rgw)}`), [], `${who} connected elsewhere: ${remotes.join(", ")}`);
    }
    t.deepEqual(recorder.seen, []);
  });
});
