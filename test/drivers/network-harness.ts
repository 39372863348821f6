import type { ObjectStore } from "../../drivers/contract.ts";
import { DEFAULT_RETRY_POLICY, RetryingStore } from "../../drivers/retry.ts";
import type { StoreOp } from "../../drivers/wrapper.ts";
import { FaultProxy } from "../support/fault-proxy.ts";
import type { DriverHarness, OpenedStore } from "./conformance.ts";

/**
 * Harness for network drivers: the raw driver talks to the real store (RGW, the GCS
 * double) through a {@link FaultProxy}, so faults hit the real SDK's transport, and
 * the driver sits under the same RetryingStore that `openStore` uses.
 */
export function networkHarness(
  name: string,
  protocol: "s3" | "gcs",
  upstream: () => string,
  openRaw: (endpoint: string, requestTimeoutMs: number | undefined) => ObjectStore,
): DriverHarness {
  const methodOf = (op: StoreOp | undefined): string | undefined => {
    if (op === undefined) return undefined;
    if (op === "put") return protocol === "gcs" ? "POST" : "PUT";
    return { get: "GET", head: protocol === "gcs" ? "GET" : "HEAD", list: "GET", delete: "DELETE" }[op];
  };
  return {
    name,
    async open(opts = {}): Promise<OpenedStore> {
      const proxy = await new FaultProxy(upstream(), protocol).start();
      const raw = openRaw(proxy.endpoint, opts.requestTimeoutMs);
      const store = opts.retry === false ? raw : new RetryingStore(raw, opts.retry ?? DEFAULT_RETRY_POLICY);
      return {
        store,
        faults: {
          inject: (fault, times, op) => proxy.inject(fault, times, methodOf(op)),
          requests: () => proxy.total,
        },
        close: async () => {
          await store.close();
          await proxy.stop();
        },
      };
    },
  };
}
