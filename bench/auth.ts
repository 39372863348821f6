// Per-request cost of authentication + Cedar authorization, beside the same work
// with auth off, measured in one run (the machine is shared: medians of batches).
//
//   node --import=tsx bench/auth.ts            full run, rewrites the auth section of bench/RESULTS.md
//   node --import=tsx bench/auth.ts --quick    fewer iterations
//
// In-process rows: `authenticate()` + `authorize()` exactly as the middleware calls
// them (a 100-entry static table; an RS256 JWT against an inline JWKS; the
// policies/default bundle, decision logging to a real pino stream on /dev/null).
// HTTP rows (when --http): the same GET route through a real `omnigraph serve` process.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import pino from "pino";
import { RequestAuthenticator } from "../server/auth/authenticator.ts";
import { PolicylessAuthorizer } from "../server/auth/authorizer.ts";
import { CedarAuthorizer } from "../server/auth/cedar/authorizer.ts";
import type { Authenticator, Authorizer } from "../server/auth/identity.ts";
import { median, p90 } from "./lib/stats.ts";
import { httpRows, type HttpRow } from "./auth-http.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes("--quick");
const withHttp = process.argv.includes("--http");
const BATCHES = quick ? 10 : 30;
const PER_BATCH = quick ? 500 : 2000;

interface Case {
  name: string;
  authenticator: Authenticator;
  authorizer: Authorizer;
  authorization: string | undefined;
}

/**
 * Batches of the cases are interleaved round-robin, so load drift on the shared
 * machine hits every case alike.
 */
async function measureAll(cases: Case[]): Promise<{ medianUs: number; p90Us: number }[]> {
  const onces = cases.map((c) => {
    const input = { authorization: c.authorization, host: "127.0.0.1:8080" };
    return async () => {
      const identity = await c.authenticator.authenticate(input);
      const d = c.authorizer.authorize({ identity, action: "read", graphId: "social", branch: "main", targetBranch: null });
      if (!d.allowed) throw new Error(`${c.name}: the bench request was denied`);
    };
  });
  for (const once of onces) for (let i = 0; i < PER_BATCH; i++) await once(); // warm-up: JIT, wasm, key import
  const perRequest: number[][] = cases.map(() => []);
  for (let b = 0; b < BATCHES; b++) {
    for (const [k, once] of onces.entries()) {
      const t0 = performance.now();
      for (let i = 0; i < PER_BATCH; i++) await once();
      perRequest[k]!.push(((performance.now() - t0) * 1000) / PER_BATCH);
    }
  }
  return perRequest.map((xs) => ({ medianUs: median(xs), p90Us: p90(xs) }));
}

async function main(): Promise<void> {
  const sink = pino(pino.destination({ dest: "/dev/null", sync: true }));
  const policy = join(HERE, "../policies/default");
  const cedar = new CedarAuthorizer(policy, { logger: sink });

  const tokens = Object.fromEntries(Array.from({ length: 99 }, (_, i) => [`actor-${i}`, `static-token-${i}-${"x".repeat(24)}`]));
  const staticAuth = await RequestAuthenticator.create({ mode: "static", static: { bearerToken: "dev-token-0123456789abcdef", tokensJson: JSON.stringify(tokens) }, logger: sink });

  const { privateKey, publicKey } = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256" };
  const iss = "https://issuer.bench.test";
  const aud = "https://graphs.bench.test";
  const oidcAuth = await RequestAuthenticator.create({
    mode: "oidc", oidc: { issuers: [iss], audience: aud, jwks: { inline: { keys: [jwk] } }, groups: { from: ["roles"], map: { "graph-admin": "admins" } } }, logger: sink,
  });
  const jwt = await new SignJWT({ sub: "default", roles: ["graph-admin"] }).setProtectedHeader({ alg: "RS256", kid: "k1" }).setIssuer(iss).setAudience(aud).setIssuedAt().setExpirationTime("2h").sign(privateKey);
  const off = await RequestAuthenticator.create({ mode: "static", unauthenticated: true, logger: sink });

  const load0 = loadavg()[0]!;
  const cases: Case[] = [
    { name: "auth off (fixed identity, open state)", authenticator: off, authorizer: new PolicylessAuthorizer("open", sink), authorization: undefined },
    { name: "static token (100 entries) + Cedar", authenticator: staticAuth, authorizer: cedar, authorization: "Bearer dev-token-0123456789abcdef" },
    { name: "OIDC RS256 JWT (inline JWKS) + Cedar", authenticator: oidcAuth, authorizer: cedar, authorization: `Bearer ${jwt}` },
  ];
  const results = (await measureAll(cases)).map((r, i) => ({ name: cases[i]!.name, ...r }));
  for (const r of results) console.log(`${r.name.padEnd(44)} median ${r.medianUs.toFixed(1)} µs  p90 ${r.p90Us.toFixed(1)} µs`);
  // The parts, for the record: Cedar alone, static lookup alone.
  const identity = { actor: "default", tenant: null, groups: [], via: "static" as const };
  const uncached = new CedarAuthorizer(policy, { logger: sink, decisionCacheSize: 0 });
  const partCases: [string, () => unknown][] = [
    ["Cedar authorize() alone, decision cached", () => cedar.authorize({ identity, action: "read", graphId: "social", branch: "main", targetBranch: null })],
    ["Cedar authorize() alone, uncached (statefulIsAuthorized)", () => uncached.authorize({ identity, action: "read", graphId: "social", branch: "main", targetBranch: null })],
    ["static lookup alone (SHA-256 + 100 compares)", () => staticAuth.staticTokens!.lookup("dev-token-0123456789abcdef")],
  ];
  const partResults = await measureAll(partCases.map(([name, fn]) => ({ name, authenticator: { authenticate: async () => identity }, authorizer: { authorize: () => (fn(), { allowed: true, policyIds: [] }) }, authorization: undefined })));
  const parts = partResults.map((r, i) => ({ name: partCases[i]![0], ...r }));
  for (const r of parts) console.log(`${r.name.padEnd(44)} median ${r.medianUs.toFixed(1)} µs`);
  const http: HttpRow[] = withHttp ? await httpRows({ quick, jwt, staticToken: "dev-token-0123456789abcdef", jwk, iss, aud }) : [];
  const load1 = loadavg()[0]!;
  oidcAuth.close();
  staticAuth.close();
  cedar.close();
  uncached.close();

  const base = results[0]!.medianUs;
  const rows = results.map((r) => `| ${r.name} | ${r.medianUs.toFixed(1)} | ${r.p90Us.toFixed(1)} | ${(r.medianUs - base).toFixed(1)} |`);
  const partRows = parts.map((r) => `| ${r.name} | ${r.medianUs.toFixed(1)} | ${r.p90Us.toFixed(1)} | |`);
  const httpTable = http.length
    ? [
        "",
        "Through a real `omnigraph serve` process (same route `GET /graphs/{id}/branches`, loopback, autocannon, 8 connections, servers run one after another). The server is one event loop, so 10⁶/req·s is its time per request; autocannon's latency has 1 ms resolution:",
        "",
        "| auth | req/s | server µs per request (10⁶/req·s) | Δ vs off (µs) | p50 / p99 latency (ms) |",
        "|---|---|---|---|---|",
        ...http.map((h) => `| ${h.name} | ${h.rps.toFixed(0)} | ${(1e6 / h.rps).toFixed(0)} | ${(1e6 / h.rps - 1e6 / http[0]!.rps).toFixed(0)} | ${h.p50Ms} / ${h.p99Ms} |`),
      ]
    : [];
  const section = [
    "<!-- auth:begin -->",
    "## Auth + Cedar per-request cost (bench/auth.ts)",
    "",
    `Run ${new Date().toISOString()}, \`node --import=tsx bench/auth.ts${quick ? " --quick" : ""}${withHttp ? " --http" : ""}\`, ${BATCHES}×${PER_BATCH} requests per row, load average ${load0.toFixed(1)} → ${load1.toFixed(1)} on a shared 2-core machine. Goal: authentication + Cedar ≤ 200 µs together.`,
    "",
    "| per request (authenticate + authorize `read` on `main`) | median µs | p90 µs | Δ vs auth off (µs) |",
    "|---|---|---|---|",
    ...rows,
    ...partRows,
    ...httpTable,
    "<!-- auth:end -->",
  ].join("\n");
  const mdPath = join(HERE, "RESULTS.md");
  const md = readFileSync(mdPath, "utf8");
  const next = /<!-- auth:begin -->[\s\S]*<!-- auth:end -->/.test(md) ? md.replace(/<!-- auth:begin -->[\s\S]*<!-- auth:end -->/, section) : `${md.trimEnd()}\n\n${section}\n`;
  writeFileSync(mdPath, next);
  mkdirSync(join(HERE, "results"), { recursive: true });
  writeFileSync(join(HERE, "results/auth.json"), `${JSON.stringify({ at: new Date().toISOString(), quick, results, parts, http }, null, 2)}\n`);
  console.log(`wrote ${mdPath}`);
}

await main();
