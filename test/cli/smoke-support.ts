/**
 * Runs a rendered pod as a real process: materialises its volumes the way the kubelet
 * would (ConfigMaps and Secrets as files, emptyDirs as directories) under a temporary
 * root, and records every connection the process makes (a loopback proxy recorder for
 * proxy-aware clients, and the process's own sockets from /proc for everyone else).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parse, parseAllDocuments, stringify } from "yaml";
import { OMNIGRAPH_BIN } from "../support/cli.ts";

export type Obj = Record<string, any>;

/** Every object of a rendered directory, as rendered (the kustomization's resource list). */
export function readRendered(dir: string): Obj[] {
  const k = parse(readFileSync(join(dir, "kustomization.yaml"), "utf8")) as { resources: string[] };
  return k.resources.flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), "utf8")).map((d) => d.toJS() as Obj));
}

export const findObject = (objs: Obj[], kind: string, name: string): Obj => {
  const o = objs.find((x) => x.kind === kind && x.metadata?.name === name);
  if (!o) throw new Error(`no ${kind}/${name} in the render`);
  return o;
};

export interface Substitutions {
  /** Secret name → key → value: what the operator's Secrets (or IRSA) would hold. */
  secrets: Record<string, Record<string, string>>;
  /** ConfigMaps the operator creates (not in the render, e.g. the site CA bundle): name → key → value. */
  externalConfigMaps?: Record<string, Record<string, string>>;
  /** The rendered store URL → the loopback object store. */
  store: (renderedUrl: string) => string;
  /** Readers: the loopback writer's URL in place of the in-cluster Service. */
  writerUrl?: string;
  /** Proxy variables' values → the loopback recorder (only proxy variables, only their value). */
  proxy: string;
}

export interface MaterialisedPod {
  root: string;
  args: string[];
  env: Record<string, string>;
  /** The config file the process reads, and what changed in it relative to the ConfigMap. */
  configFile: string;
  changedKeys: string[];
  renderedConfig: Obj;
}

const PROXY_VARS = new Set(["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"]);

export function materialise(objects: Obj[], workload: Obj, sub: Substitutions): MaterialisedPod {
  const root = mkdtempSync(join(tmpdir(), "og-pod-"));
  const pod = workload.spec.template.spec;
  const c = pod.containers.find((x: Obj) => x.name === "omnigraph");
  const mounts: { at: string; volume: Obj }[] = (c.volumeMounts ?? []).map((m: Obj) => ({ at: m.mountPath, volume: pod.volumes.find((v: Obj) => v.name === m.name) }));
  const ns = workload.metadata.namespace;
  for (const { at, volume } of mounts) {
    const dir = join(root, at);
    mkdirSync(dir, { recursive: true });
    let data: Record<string, string> = {};
    let items: { key: string; path: string }[] | undefined;
    if (volume.configMap) {
      const external = sub.externalConfigMaps?.[volume.configMap.name];
      data = external ?? findObject(objects.filter((o) => o.metadata?.namespace === ns), "ConfigMap", volume.configMap.name).data ?? {};
      items = volume.configMap.items;
    } else if (volume.secret) {
      data = sub.secrets[volume.secret.secretName] ?? {};
      if (!Object.keys(data).length) throw new Error(`the test provides no values for Secret ${volume.secret.secretName}`);
      items = volume.secret.items;
    } else if (!volume.emptyDir) {
      throw new Error(`volume ${volume.name}: only configMap, secret and emptyDir volumes are materialised`);
    }
    for (const { key, path } of items ?? Object.keys(data).map((k) => ({ key: k, path: k }))) {
      if (data[key] === undefined) throw new Error(`volume ${volume.name} has no key ${key}`);
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), data[key]!);
    }
  }
  // Paths inside a mount now live under root: the only rewrite of file paths.
  const repath = (s: string) => (mounts.some((m) => s === m.at || s.startsWith(`${m.at}/`)) ? join(root, s) : s);
  const args: string[] = (c.args ?? []).map(String).map(repath);
  const configPath = args[args.indexOf("--config") + 1]!;
  const renderedConfig = parse(readFileSync(configPath, "utf8")) as Obj;
  const config = structuredClone(renderedConfig);
  const changed = new Set<string>();
  const walk = (o: Obj, path: string[]) => {
    for (const [k, v] of Object.entries(o)) {
      if (typeof v === "string" && repath(v) !== v) {
        o[k] = repath(v);
        changed.add([...path, k].join("."));
      } else if (v && typeof v === "object") walk(v, [...path, k]);
    }
  };
  walk(config, []);
  config.store = sub.store(config.store);
  config.bind = "127.0.0.1:0";
  changed.add("store").add("bind");
  if (sub.writerUrl && config.writer_url) {
    config.writer_url = sub.writerUrl;
    changed.add("writer_url");
  }
  writeFileSync(configPath, stringify(config));
  const env: Record<string, string> = {};
  for (const e of c.env ?? []) {
    if (e.valueFrom?.secretKeyRef) {
      const v = sub.secrets[e.valueFrom.secretKeyRef.name]?.[e.valueFrom.secretKeyRef.key];
      if (v === undefined) throw new Error(`the test provides no value for ${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`);
      env[e.name] = v;
    } else {
      env[e.name] = PROXY_VARS.has(e.name) ? sub.proxy : repath(String(e.value ?? ""));
    }
  }
  return { root, args, env, configFile: configPath, changedKeys: [...changed].sort(), renderedConfig };
}

export interface Running {
  child: ChildProcess;
  address: string;
  stderr: () => string;
  stop: () => Promise<void>;
}

/** Starts `omnigraph <args>` with exactly the pod's env (plus PATH and the image's HOME), cwd = the image's workdir. */
export async function startPod(p: MaterialisedPod): Promise<Running> {
  const home = join(p.root, "var/lib/omnigraph");
  mkdirSync(home, { recursive: true });
  const child = spawn(process.execPath, [OMNIGRAPH_BIN, ...p.args], {
    cwd: home,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, ...p.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no OMNIGRAPH_LISTEN_ADDR within 90 s; stderr:\n${err}`)), 90_000);
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /OMNIGRAPH_LISTEN_ADDR=(\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`omnigraph exited with ${code} before listening; stderr:\n${err}`));
    });
  });
  return {
    child, address, stderr: () => err,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 10_000).unref();
    }),
  };
}

/** A loopback HTTP proxy that answers nothing and records every request or CONNECT it receives. */
export async function proxyRecorder(): Promise<{ url: string; seen: string[]; close: () => Promise<void> }> {
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    res.writeHead(502).end();
  });
  server.on("connect", (req, socket) => {
    seen.push(`CONNECT ${req.url}`);
    socket.end("HTTP/1.1 502 Bad Gateway\r\n\r\n");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, seen, close: () => new Promise((r) => server.close(() => r())) };
}

function hexToAddress(hex: string): string {
  const [ip, port] = hex.split(":") as [string, string];
  const p = parseInt(port, 16);
  if (ip.length === 8) return `${[3, 2, 1, 0].map((i) => parseInt(ip.slice(i * 2, i * 2 + 2), 16)).join(".")}:${p}`;
  // IPv6 in /proc: four little-endian 32-bit words; IPv4-mapped addresses end in the IPv4 word.
  const words = [0, 1, 2, 3].map((i) => ip.slice(i * 8, i * 8 + 8));
  if (words[0] === "00000000" && words[1] === "00000000" && words[2] === "FFFF0000") return `${hexToAddress(`${words[3]}:${port}`)}`;
  return `[${words.join(":")}]:${p}`;
}

/** The remote ends of the process's sockets that are not listening: `tcp 127.0.0.1:7480` … (`udp …` for datagram sockets). */
export function socketsOf(pid: number): { local: string; remote: string; proto: string }[] {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1]!);
      } catch {
        // fd closed between readdir and readlink
      }
    }
  } catch {
    return [];
  }
  const out: { local: string; remote: string; proto: string }[] = [];
  for (const proto of ["tcp", "tcp6", "udp", "udp6"]) {
    let text = "";
    try {
      text = readFileSync(`/proc/${pid}/net/${proto}`, "utf8");
    } catch {
      continue;
    }
    for (const line of text.trim().split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      const [local, remote, state, inode] = [f[1]!, f[2]!, f[3]!, f[9]!];
      if (!inodes.has(inode) || state === "0A") continue; // 0A = LISTEN
      out.push({ local: hexToAddress(local), remote: hexToAddress(remote), proto: proto.replace("6", "") });
    }
  }
  return out;
}

/** Samples a process's sockets until stopped; returns every distinct outbound remote seen. */
export function watchSockets(pid: number, listenPort: number): { stop: () => string[] } {
  const seen = new Set<string>();
  const tick = () => {
    for (const s of socketsOf(pid)) {
      const localPort = Number(s.local.slice(s.local.lastIndexOf(":") + 1));
      if (s.proto === "tcp" && localPort === listenPort) continue; // inbound: the test's own requests
      seen.add(`${s.proto} ${s.remote}`);
    }
  };
  const timer = setInterval(tick, 15);
  timer.unref();
  tick();
  return { stop: () => (clearInterval(timer), tick(), [...seen].sort()) };
}
