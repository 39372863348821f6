import type { JWK } from "jose";

export interface HttpRow {
  name: string;
  rps: number;
  p50Ms: number;
  p99Ms: number;
}

/** The HTTP rows of bench/auth.ts (filled in once `omnigraph serve` mounts the auth stack). */
export async function httpRows(_o: { quick: boolean; jwt: string; staticToken: string; jwk: JWK; iss: string; aud: string }): Promise<HttpRow[]> {
  throw new Error("--http needs `omnigraph serve` with the auth stack wired in");
}
