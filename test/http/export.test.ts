/**
 * A streamed export of a graph far larger than one stream buffer (64 KiB): answered
 * chunked (no Content-Length, nothing buffered whole), arriving in many chunks, every
 * row once, in the load envelope, sorted by id within the type.
 */
import { request } from "node:http";
import test from "ava";
import { call, conforms, serve, tmpDir, writeConfig } from "./support.ts";

test("export streams a multi-megabyte graph in many chunks, every row once", async (t) => {
  const cfg = writeConfig("graphs:\n  big: { schema: ./p.pg }\n", { "p.pg": "node Person {\n    name: String @key\n    bio: String?\n}\n" });
  const s = await serve(t, ["--config", cfg, "--store", `fs://${tmpDir()}`, "--unauthenticated"]);
  const N = 20_000;
  // Strict loads take at most 8192 keyed entities per type: four batches.
  for (let b = 0; b < 4; b++) {
    let nd = "";
    for (let i = b * 5000; i < (b + 1) * 5000; i++) nd += `{"type":"Person","data":{"name":"p${String(i).padStart(6, "0")}","bio":"${"b".repeat(100)}"}}\n`;
    const load = await call(s.url, "POST", "/graphs/big/load/ndjson", { raw: nd, headers: { "content-type": "application/x-ndjson" } });
    t.is(load.status, 200, load.text);
    conforms(t, "cluster_loadNdjson", load);
  }
  const u = new URL(`${s.url}/graphs/big/export`);
  const { chunks, text, headers } = await new Promise<{ chunks: number; text: string; headers: Record<string, unknown> }>((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: "POST", headers: { "content-type": "application/json" } }, (res) => {
      let n = 0;
      let body = "";
      res.on("data", (d: Buffer) => {
        n++;
        body += d.toString();
      });
      res.on("end", () => resolve({ chunks: n, text: body, headers: res.headers }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end("{}");
  });
  t.true(text.length > 2_000_000, `${text.length} bytes`);
  t.is(headers["transfer-encoding"], "chunked");
  t.is(headers["content-length"], undefined);
  t.true(chunks > 10, `${chunks} chunks`);
  const names = text.trim().split("\n").map((l) => (JSON.parse(l) as { type: string; data: { name: string } }).data.name);
  t.is(names.length, N);
  t.deepEqual(names, [...names].sort());
  t.is(new Set(names).size, N);
});
