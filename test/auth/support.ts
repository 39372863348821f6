import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from "jose";
import { Writable } from "node:stream";
import pino, { type Logger } from "pino";

/** One RSA signing key with its public JWK (`kid` set). */
export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
}

export async function signingKey(kid: string, alg: "RS256" | "ES256" = "RS256"): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
  return { kid, privateKey, publicKey, jwk };
}

/** Signs an access token; `exp` defaults to in 10 minutes. */
export async function mint(key: SigningKey, claims: JWTPayload, o: { iss?: string; aud?: string | string[]; expSeconds?: number; kid?: string | null; alg?: string } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ exp: now + (o.expSeconds ?? 600), iat: now, ...claims }).setProtectedHeader({ alg: o.alg ?? "RS256", ...(o.kid === null ? {} : { kid: o.kid ?? key.kid }) });
  if (o.iss !== undefined) jwt.setIssuer(o.iss);
  if (o.aud !== undefined) jwt.setAudience(o.aud);
  return jwt.sign(key.privateKey);
}

/**
 * A real loopback issuer: serves `/.well-known/openid-configuration` and `/jwks`,
 * counts JWKS fetches, and can be switched to fail (500) or have its keys replaced.
 */
export class JwksServer {
  keys: JWK[] = [];
  fail = false;
  jwksFetches = 0;
  private server: Server | undefined;
  url = "";

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      if (this.fail) {
        res.writeHead(500).end();
        return;
      }
      if (req.url === "/jwks") {
        this.jwksFetches++;
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: this.keys }));
      } else if (req.url === "/.well-known/openid-configuration") {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ issuer: this.url, jwks_uri: `${this.url}/jwks` }));
      } else res.writeHead(404).end();
    });
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  get jwksUri(): string {
    return `${this.url}/jwks`;
  }

  /** Stops accepting connections (the issuer is down, not just failing). */
  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
}

/** A pino logger whose lines are collected, so tests can prove what was (not) logged. */
export function capturingLogger(): { logger: Logger; lines: () => string } {
  let buf = "";
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      buf += chunk.toString();
      cb();
    },
  });
  return { logger: pino({ level: "debug" }, stream), lines: () => buf };
}

/** Polls `cond` every 25 ms until true or `ms` elapse. */
export async function eventually(cond: () => boolean, ms = 5000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return cond();
}
