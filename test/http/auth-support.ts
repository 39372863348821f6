/**
 * Harness for the auth HTTP tests: a real `omnigraph serve` process on loopback
 * (port 0) started with a config file and env, stopped by pid in teardown.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { request } from "node:http";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { ExecutionContext } from "ava";
import { stringify } from "yaml";
import { OMNIGRAPH_BIN } from "../support/cli.ts";

export interface Served {
  url: string;
  host: string;
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  dir: string;
}

/** A temp dir holding `files` (nested paths allowed). */
export function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "og-auth-http-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** Starts `omnigraph serve --config <dir>/server.yaml` with `config` (an object, written as YAML). */
export async function serveWith(t: ExecutionContext, config: Record<string, unknown>, o: { env?: NodeJS.ProcessEnv; files?: Record<string, string> } = {}): Promise<Served> {
  const dir = dirWith({ ...(o.files ?? {}), "server.yaml": stringify({ version: 1, bind: "127.0.0.1:0", store: "./data", log: { level: "warn" }, ...config }) });
  const child = spawn(process.execPath, [OMNIGRAPH_BIN, "serve", "--config", join(dir, "server.yaml")], {
    env: { ...process.env, OMNIGRAPH_SERVER_BEARER_TOKEN: undefined, OMNIGRAPH_SERVER_BEARER_TOKENS_JSON: undefined, OMNIGRAPH_SERVER_BEARER_TOKENS_FILE: undefined, OMNIGRAPH_UNAUTHENTICATED: undefined, ...(o.env ?? {}) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, "SIGKILL");
  };
  t.teardown(kill);
  const addr = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start in 90 s\n${err}`)), 90_000);
    child.stdout!.on("data", () => {
      const m = /OMNIGRAPH_LISTEN_ADDR=(\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited ${code}\n${err}`));
    });
  });
  const url = `http://${addr}`;
  for (let i = 0; i < 600; i++) {
    const r = await fetch(`${url}/readyz`).catch(() => undefined);
    if (r?.status === 200) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  return { url, host: addr, child, stdout: () => out, stderr: () => err, dir };
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: Record<string, unknown>;
}

/** One request (node:http, so the Host header can be set) with an optional bearer token and JSON body. */
export function call(base: string, method: string, path: string, o: { token?: string; authorization?: string; host?: string; body?: unknown } = {}): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (o.token !== undefined) headers.authorization = `Bearer ${o.token}`;
  if (o.authorization !== undefined) headers.authorization = o.authorization;
  if (o.host !== undefined) headers.host = o.host;
  const body = o.body !== undefined ? JSON.stringify(o.body) : undefined;
  if (body !== undefined) headers["content-type"] = "application/json";
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method, headers }, (res) => {
      let text = "";
      res.on("data", (d: Buffer) => (text += d.toString()));
      res.on("end", () => {
        let json: Record<string, unknown>;
        try {
          json = JSON.parse(text) as Record<string, unknown>;
        } catch {
          json = { text };
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, json });
      });
    });
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}
