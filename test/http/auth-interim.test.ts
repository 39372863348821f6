import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { isConfigError } from "../../server/config/errors.ts";
import { loadPolicyFile, runtimeState, RuntimeStateAuthorizer } from "../../server/auth/runtime-states.ts";
import { loadStaticTokens, StaticTokenAuthenticator } from "../../server/auth/static.ts";
import type { Identity } from "../../server/auth/identity.ts";
import { codeOf } from "../support/codes.ts";

const none: { bearerToken: string | null; tokensFile: string | null; tokensJson: string | null } = { bearerToken: null, tokensFile: null, tokensJson: null };

test("static tokens: the env token is actor 'default'; JSON tokens merge; the actor comes only from the token", async (t) => {
  const auth = new StaticTokenAuthenticator(loadStaticTokens({ ...none, bearerToken: "t0", tokensJson: '{"alice":"ta","bob":{"token":"tb","tenant":"acme","groups":["eng"]}}' }));
  t.is(auth.size, 3);
  t.is((await auth.authenticate({ authorization: "Bearer t0", host: undefined })).actor, "default");
  t.deepEqual(await auth.authenticate({ authorization: "Bearer tb", host: undefined }), { actor: "bob", tenant: "acme", groups: ["eng"], via: "static" });
  t.is(await codeOf(auth.authenticate({ authorization: undefined, host: undefined })), "ERR_UNAUTHENTICATED");
  t.is(await codeOf(auth.authenticate({ authorization: "Bearer nope", host: undefined })), "ERR_UNAUTHENTICATED");
  t.is(await codeOf(auth.authenticate({ authorization: "Basic dGE=", host: undefined })), "ERR_UNAUTHENTICATED");
  t.is(await codeOf(auth.authenticate({ authorization: "ta", host: undefined })), "ERR_UNAUTHENTICATED");
});

test("static tokens: a file wins over JSON; blanks and duplicates are config errors", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "og-tok-"));
  const file = join(dir, "t.json");
  writeFileSync(file, '{"carol":"tc"}');
  t.deepEqual([...loadStaticTokens({ ...none, tokensFile: file, tokensJson: '{"x":"y"}' }).keys()], ["carol"]);
  const bad = (src: Partial<typeof none>) => {
    try {
      loadStaticTokens({ ...none, ...src });
      return "ok";
    } catch (e) {
      return isConfigError(e) ? e.code : "other";
    }
  };
  t.is(bad({ tokensJson: '{"a":" "}' }), "ERR_CONFIG_INVALID");
  t.is(bad({ tokensJson: '{"a":"same","b":"same"}' }), "ERR_CONFIG_INVALID");
  t.is(bad({ bearerToken: "x", tokensJson: '{"default":"y"}' }), "ERR_CONFIG_INVALID");
  t.is(bad({ tokensJson: "[1]" }), "ERR_CONFIG_INVALID");
});

const who: Identity = { actor: "alice", tenant: null, groups: [], via: "static" };
const req = (action: Parameters<RuntimeStateAuthorizer["authorize"]>[0]["action"], branch: string | null = "main", targetBranch: string | null = null) => ({ identity: who, action, graphId: "g", branch, targetBranch });

test("runtime states (§6.2): open allows all but graph_list; default-deny allows read only; refusals to start", (t) => {
  const open = new RuntimeStateAuthorizer(runtimeState({ tokens: 0, policy: false, unauthenticated: true }));
  t.true(open.authorize(req("change")).allowed);
  t.false(open.authorize(req("graph_list")).allowed);
  const dd = new RuntimeStateAuthorizer(runtimeState({ tokens: 1, policy: false, unauthenticated: false }));
  t.is(dd.state, "default_deny");
  t.true(dd.authorize(req("read")).allowed);
  t.false(dd.authorize(req("change")).allowed);
  t.throws(() => runtimeState({ tokens: 0, policy: false, unauthenticated: false }), { code: "ERR_CONFIG_INVALID" } as never);
  t.throws(() => runtimeState({ tokens: 0, policy: true, unauthenticated: true }), { code: "ERR_CONFIG_INVALID" } as never);
});

test("policy.yaml rules: groups, branch scopes against protected branches, policy ids", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "og-pol-"));
  writeFileSync(join(dir, "policy.yaml"), `version: 1
groups: { editors: [alice] }
protected_branches: [main]
rules:
  - id: editors-read
    allow: { actors: { group: editors }, actions: [read] }
  - id: editors-feature
    allow: { actors: { group: editors }, actions: [change], branch_scope: unprotected }
  - id: editors-branch-ops
    allow: { actors: { group: editors }, actions: [branch_create], target_branch_scope: any }
`);
  const a = new RuntimeStateAuthorizer("policy_enabled", loadPolicyFile(dir));
  t.deepEqual(a.authorize(req("read")), { allowed: true, policyIds: ["editors-read:read"] });
  t.false(a.authorize(req("change", "main")).allowed);
  t.true(a.authorize(req("change", "feature/x")).allowed);
  t.true(a.authorize(req("branch_create", "main", "feature/x")).allowed);
  t.false(a.authorize({ ...req("read"), identity: { ...who, actor: "mallory" } }).allowed);
  writeFileSync(join(dir, "policy.yaml"), "version: 1\nrules: [{ id: r, allow: { actors: { group: nobody }, actions: [read] } }]\n");
  t.throws(() => loadPolicyFile(dir), { code: "ERR_CONFIG_INVALID" } as never);
});
