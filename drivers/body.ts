import { Readable } from "node:stream";
import type { PutBody } from "./contract.ts";

/** Collects a put body into one Buffer. Stream bodies are read to the end. */
export async function bodyToBuffer(body: PutBody): Promise<Buffer> {
  if (typeof body === "string") return Buffer.from(body, "utf8");
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

export function isStreamBody(body: PutBody): body is Readable {
  return body instanceof Readable;
}

export async function streamToBuffer(stream: NodeJS.ReadableStream | Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}
