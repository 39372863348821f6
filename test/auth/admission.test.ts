import test from "ava";
import fc from "fast-check";
import { AdmissionController, type AdmissionPermit } from "../../server/auth/admission.ts";
import { AuthError } from "../../server/auth/errors.ts";

const limits = { perActorInflightMax: 2, perActorBytesMax: 1000, perTenantInflightMax: 3, perTenantBytesMax: 1500, retryAfterSeconds: 60 };

function rejected(f: () => unknown): AuthError {
  try {
    f();
  } catch (e) {
    if (e instanceof AuthError) return e;
    throw e;
  }
  throw new Error("expected a rejection");
}

test("per-actor in-flight: the third concurrent write of one actor is refused with 429 details and Retry-After; release readmits", (t) => {
  const a = new AdmissionController(limits);
  const alice = { actor: "alice", tenant: "acme" };
  const p1 = a.admit(alice, 10);
  a.admit(alice, 10);
  const e = rejected(() => a.admit(alice, 10));
  t.is(e.code, "ERR_TOO_MANY_REQUESTS");
  t.is(e.retryAfterSeconds, 60);
  t.deepEqual(e.detail, { resource: "actor_inflight", limit: 2, actual: 3 });
  p1.release();
  p1.release(); // idempotent
  t.notThrows(() => a.admit(alice, 10));
  t.deepEqual(a.usage(alice).actor, { inflight: 2, bytes: 20 });
});

test("per-actor bytes, per-tenant in-flight and per-tenant bytes each refuse with their own resource", (t) => {
  const a = new AdmissionController(limits);
  t.is(rejected(() => a.admit({ actor: "big", tenant: "t1" }, 1001)).detail.resource, "actor_bytes");
  const b = new AdmissionController(limits);
  b.admit({ actor: "a1", tenant: "t" }, 1);
  b.admit({ actor: "a2", tenant: "t" }, 1);
  b.admit({ actor: "a3", tenant: "t" }, 1);
  t.is(rejected(() => b.admit({ actor: "a4", tenant: "t" }, 1)).detail.resource, "tenant_inflight");
  t.notThrows(() => b.admit({ actor: "a4", tenant: "other" }, 1), "tenants are independent");
  const c = new AdmissionController(limits);
  c.admit({ actor: "a1", tenant: "t" }, 800);
  t.is(rejected(() => c.admit({ actor: "a2", tenant: "t" }, 800)).detail.resource, "tenant_bytes");
});

test("the same actor name in two tenants is two actors", (t) => {
  const a = new AdmissionController(limits);
  a.admit({ actor: "ci", tenant: "acme" }, 1);
  a.admit({ actor: "ci", tenant: "acme" }, 1);
  t.notThrows(() => a.admit({ actor: "ci", tenant: "org_globex" }, 1));
});

test("a limit of 0 disables that budget", (t) => {
  const a = new AdmissionController({ ...limits, perActorInflightMax: 0, perTenantInflightMax: 0 });
  t.notThrows(() => {
    for (let i = 0; i < 100; i++) a.admit({ actor: "x", tenant: null }, 1);
  });
});

test("property: under any interleaving of admits and releases, usage never exceeds a limit and returns to zero", (t) => {
  const op = fc.oneof(
    fc.record({ kind: fc.constant("admit" as const), actor: fc.constantFrom("a", "b", "c"), tenant: fc.constantFrom("t1", "t2", null), bytes: fc.integer({ min: 0, max: 700 }) }),
    fc.record({ kind: fc.constant("release" as const), index: fc.nat() }),
  );
  t.notThrows(() =>
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const a = new AdmissionController(limits);
        const live: AdmissionPermit[] = [];
        for (const o of ops) {
          if (o.kind === "admit") {
            try {
              live.push(a.admit({ actor: o.actor, tenant: o.tenant }, o.bytes));
            } catch (e) {
              if (!(e instanceof AuthError) || e.code !== "ERR_TOO_MANY_REQUESTS") return false;
            }
          } else if (live.length) live.splice(o.index % live.length, 1)[0]!.release();
          for (const actor of ["a", "b", "c"]) {
            for (const tenant of ["t1", "t2", null]) {
              const u = a.usage({ actor, tenant });
              if (u.actor.inflight > limits.perActorInflightMax || u.actor.bytes > limits.perActorBytesMax) return false;
              if (u.tenant.inflight > limits.perTenantInflightMax || u.tenant.bytes > limits.perTenantBytesMax) return false;
            }
          }
        }
        for (const p of live) p.release();
        return ["t1", "t2", null].every((tenant) => a.usage({ actor: "a", tenant }).tenant.inflight === 0 && a.usage({ actor: "a", tenant }).tenant.bytes === 0);
      }),
      { numRuns: 200 },
    ),
  );
});
