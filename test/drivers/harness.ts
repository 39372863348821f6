import type { ObjectStore } from "../../drivers/contract.ts";
import { CountingStore } from "../../drivers/counting.ts";
import { FaultyStore, type FaultAction } from "../../drivers/faulty.ts";
import { DEFAULT_RETRY_POLICY, RetryingStore } from "../../drivers/retry.ts";
import type { ProxyFault } from "../support/fault-proxy.ts";
import type { DriverHarness, OpenedStore } from "./conformance.ts";

/**
 * Harness for stores that have no network (memory, fs): faults are injected by
 * FaultyStore beneath the retry layer: Retrying(Counting(Faulty(raw))).
 */
export function inProcessHarness(name: string, openRaw: () => Promise<{ raw: ObjectStore; cleanup: () => Promise<void> }>): DriverHarness {
  return {
    name,
    async open(opts = {}): Promise<OpenedStore> {
      const { raw, cleanup } = await openRaw();
      const faulty = new FaultyStore(raw, []);
      const counting = new CountingStore(faulty);
      const store = opts.retry === false ? counting : new RetryingStore(counting, opts.retry ?? DEFAULT_RETRY_POLICY);
      const timeoutMs = opts.requestTimeoutMs ?? 30_000;
      const toAction = (fault: ProxyFault): FaultAction => {
        switch (fault) {
          case "lose-response": return { kind: "lost-response" };
          case "throttle": return { kind: "throttle" };
          case "conflict409": return { kind: "error", code: "ERR_CONFLICT_RETRYABLE" };
          case "stall": return { kind: "timeout", ms: timeoutMs };
        }
      };
      return {
        store,
        faults: {
          inject: (fault, times, op) => faulty.addRule({ ...(op ? { ops: [op] } : {}), times, action: toAction(fault) }),
          requests: () => counting.total,
        },
        close: async () => {
          await store.close();
          await cleanup();
        },
      };
    },
  };
}
