import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import type { JWK } from "jose";
import { stringify } from "yaml";

export interface HttpRow {
  name: string;
  rps: number;
  p50Ms: number;
  p99Ms: number;
}

const BIN = fileURLToPath(new URL("../bin/omnigraph.js", import.meta.url));
const DEFAULT_BUNDLE = fileURLToPath(new URL("../policies/default", import.meta.url));

/** Starts `omnigraph serve` with `config` on a free loopback port; returns its URL and a stop function (by pid). */
async function serve(config: Record<string, unknown>, env: NodeJS.ProcessEnv): Promise<{ url: string; stop: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), "og-bench-auth-"));
  writeFileSync(join(dir, "social.pg"), "node Person {\n  name: String @key\n}\n");
  writeFileSync(join(dir, "server.yaml"), stringify({ version: 1, bind: "127.0.0.1:0", store: "./data", log: { level: "error" }, graphs: { social: { schema: "./social.pg" } }, ...config }));
  const child = spawn(process.execPath, [BIN, "serve", "--config", join(dir, "server.yaml")], {
    env: { ...process.env, OMNIGRAPH_SERVER_BEARER_TOKEN: undefined, OMNIGRAPH_SERVER_BEARER_TOKENS_JSON: undefined, OMNIGRAPH_UNAUTHENTICATED: undefined, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  const addr = await new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /OMNIGRAPH_LISTEN_ADDR=(\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once("exit", (code) => reject(new Error(`serve exited ${code}`)));
  });
  child.stdout!.resume();
  const url = `http://${addr}`;
  for (let i = 0; i < 600; i++) {
    if ((await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, stop: () => process.kill(child.pid!, "SIGKILL") };
}

async function load(url: string, authorization: string | undefined, seconds: number): Promise<{ rps: number; p50Ms: number; p99Ms: number }> {
  const path = "/graphs/social/branches";
  const probe = await fetch(`${url}${path}`, { headers: authorization ? { authorization } : {} });
  if (probe.status !== 200) throw new Error(`bench route answered ${probe.status}: ${await probe.text()}`);
  const r = await autocannon({ url: `${url}${path}`, connections: 8, duration: seconds, headers: authorization ? { authorization } : {} });
  if (r.non2xx > 0) throw new Error(`${r.non2xx} non-2xx answers during the run`);
  return { rps: r.requests.average, p50Ms: r.latency.p50, p99Ms: r.latency.p99 };
}

/**
 * The HTTP rows of bench/auth.ts: one `omnigraph serve` per mode, the same read route
 * (`GET /graphs/social/branches`), autocannon with 8 connections. Servers run one at a
 * time so they do not compete for the 2 cores.
 */
export async function httpRows(o: { quick: boolean; jwt: string; staticToken: string; jwk: JWK; iss: string; aud: string }): Promise<HttpRow[]> {
  const seconds = o.quick ? 3 : 10;
  const modes: { name: string; config: Record<string, unknown>; env: NodeJS.ProcessEnv; authorization: string | undefined }[] = [
    { name: "auth off (--unauthenticated, open state)", config: { auth: { unauthenticated: true } }, env: {}, authorization: undefined },
    { name: "static token + Cedar (policies/default)", config: { policy: { bundle: DEFAULT_BUNDLE } }, env: { OMNIGRAPH_SERVER_BEARER_TOKEN: o.staticToken }, authorization: `Bearer ${o.staticToken}` },
    {
      name: "OIDC RS256 JWT + Cedar (policies/default)",
      config: { auth: { mode: "oidc", oidc: { issuer: o.iss, audience: o.aud, jwks: { keys: [o.jwk] }, groups: { from: ["roles"], map: { "graph-admin": "admins" } } } }, policy: { bundle: DEFAULT_BUNDLE } },
      env: {},
      authorization: `Bearer ${o.jwt}`,
    },
  ];
  const rows: HttpRow[] = [];
  for (const m of modes) {
    const s = await serve(m.config, m.env);
    try {
      rows.push({ name: m.name, ...(await load(s.url, m.authorization, seconds)) });
      console.log(`${m.name.padEnd(44)} ${rows.at(-1)!.rps.toFixed(0)} req/s  p50 ${rows.at(-1)!.p50Ms} ms`);
    } finally {
      s.stop();
    }
  }
  return rows;
}
