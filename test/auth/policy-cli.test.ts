import test from "ava";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runCli } from "../support/cli.ts";

const POLICIES = fileURLToPath(new URL("../../policies/", import.meta.url));

test("omnigraph policy validate: 0 and a digest for a good bundle, 1 naming the problem for a bad one", async (t) => {
  const ok = await runCli(["policy", "validate", join(POLICIES, "examples/multi-tenant"), "--json"]);
  t.is(ok.code, 0, ok.stderr);
  const out = JSON.parse(ok.stdout) as { valid: boolean; digest: string; scopes: { scope: string }[] };
  t.true(out.valid);
  t.regex(out.digest, /^[0-9a-f]{64}$/);
  t.deepEqual(out.scopes.map((s) => s.scope), ["deployment", "tenant:acme", "tenant:org_globex"]);
  const dir = mkdtempSync(join(tmpdir(), "og-cli-policy-"));
  writeFileSync(join(dir, "policy.yaml"), "version: 1\ngroups: {a: [x]}\nrules:\n  - {id: r, allow: {actors: {group: missing}, actions: [read]}}\n");
  const bad = await runCli(["policy", "validate", dir]);
  t.is(bad.code, 1);
  t.regex(bad.stderr, /unknown group 'missing'/);
});

test("omnigraph policy test: 0 when every case passes; 1 with the failing case named", async (t) => {
  const ok = await runCli(["policy", "test", join(POLICIES, "examples/team"), "--json"]);
  t.is(ok.code, 0, ok.stderr);
  t.like(JSON.parse(ok.stdout), { failed: 0 });
  const dir = mkdtempSync(join(tmpdir(), "og-cli-policy-"));
  writeFileSync(join(dir, "policy.yaml"), "version: 1\ngroups: {v: [bob]}\nrules:\n  - {id: v-read, allow: {actors: {group: v}, actions: [read]}}\n");
  writeFileSync(join(dir, "policy.tests.yaml"), "version: 1\ncases:\n  - {id: bob-reads, actor: bob, action: read, branch: main, expect: allow}\n  - {id: bob-writes, actor: bob, action: change, branch: main, expect: allow}\n");
  const failing = await runCli(["policy", "test", dir, "--json"]);
  t.is(failing.code, 1);
  const r = JSON.parse(failing.stdout) as { failed: number; results: { id: string; pass: boolean }[] };
  t.is(r.failed, 1);
  t.deepEqual(r.results.filter((x) => !x.pass).map((x) => x.id), ["bob-writes"]);
});

test("omnigraph policy explain: decision, groups, context and the matching policy ids", async (t) => {
  const r = await runCli(["policy", "explain", join(POLICIES, "examples/team"), "--actor", "alice", "--action", "change", "--branch", "feature/x", "--json"]);
  t.is(r.code, 0, r.stderr);
  t.like(JSON.parse(r.stdout), { allowed: true, policyIds: ["editors-feature-writes:change"], principalGroups: ["editors"], context: { branch: "feature/x", branch_is_protected: false } });
  const bad = await runCli(["policy", "explain", join(POLICIES, "examples/team"), "--actor", "a", "--action", "launch"]);
  t.is(bad.code, 2);
});
