import test from "ava";
import fc from "fast-check";
import { parseStackConfig } from "../../stacks/config.ts";
import { planDeployment } from "../../stacks/plan.ts";
import { renderDeployment } from "../../stacks/render.ts";
import { rawStack, ROOT } from "../components/support.ts";

/** Deep copy with every object's keys in reverse order: same config, different insertion order. */
function reversedKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reversedKeys);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reversedKeys(x)]));
  return v;
}

const render = (raw: Record<string, unknown>) => renderDeployment(planDeployment(parseStackConfig(raw), { projectDir: ROOT }));

test("the same input always renders byte-identical YAML, whatever the key order (property)", (t) => {
  const ran = fc.check(fc.property(
    fc.constantFrom("managed", "elastic", "byoc", "airgapped"),
    fc.constantFrom("small", "large"),
    fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/),
    (stage, profile, instance) => {
      const raw = { ...rawStack(stage), "omnigraph-cloud:profile": profile, "omnigraph-cloud:instance": instance };
      const a = render(raw);
      const b = render(reversedKeys(raw) as Record<string, unknown>);
      return a.size > 10 && JSON.stringify([...a]) === JSON.stringify([...b]);
    },
  ), { numRuns: 12 });
  t.false(ran.failed, fc.defaultReportMessage(ran) ?? "");
});

test("a changed input changes the render (the determinism check can fail)", (t) => {
  const raw = rawStack("managed");
  const a = render(raw);
  const b = render({ ...raw, "omnigraph-cloud:profile": "large" });
  t.notDeepEqual([...a], [...b]);
});
