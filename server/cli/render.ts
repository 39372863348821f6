/**
 * `omnigraph render --stage <s> --config <file> --out <dir> [--check]`: a stage's
 * Kubernetes manifests as plain YAML plus kustomization.yaml, from the deployment
 * kit's planners (the same ones the Pulumi stacks use). `--check` then runs the guard
 * rules over what was written; `--check --out <dir>` alone checks an existing render.
 *
 * Exit codes: 0 rendered (and clean), 1 guard rule findings, 2 bad input.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { Command, CommanderError } from "commander";
import { parse } from "yaml";
import { KitError } from "../../components/errors.ts";
import { parseStackConfig, STAGES } from "../../stacks/config.ts";
import { planDeployment } from "../../stacks/plan.ts";
import { CLOUD_FILE, KUSTOMIZATION, MINIO_ENV_FILE, renderDeployment } from "../../stacks/render.ts";
import { runGuardRules } from "../../policies/guard/rules.ts";
import { subjectFromRenderedDir } from "../../policies/guard/rendered.ts";

interface RenderOptions {
  stage?: string;
  config?: string;
  out?: string;
  check?: boolean;
}

const RENDERED = /^\d{2}-[a-z]+-[a-z0-9.-]+\.yaml$/;

export async function run(argv: string[]): Promise<number> {
  const program = new Command("omnigraph render")
    .description("Render a stage's Kubernetes manifests (plain YAML + kustomization.yaml) from the deployment kit")
    .option("--stage <stage>", `stage to render (${STAGES.join(", ")}); must match the config's stage`)
    .option("--config <file>", "stack config: a Pulumi.<stage>.yaml (its `config:` map) or a plain YAML map")
    .option("--out <dir>", "output directory (created; files it rendered before are replaced)")
    .option("--check", "run the guard rules over the rendered manifests; exit 1 on findings")
    .exitOverride()
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) });
  let opts: RenderOptions;
  try {
    opts = program.parse(argv, { from: "user" }).opts<RenderOptions>();
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    throw e;
  }
  const fail = (msg: string): number => {
    process.stderr.write(`omnigraph render: ${msg}\n`);
    return 2;
  };
  if (!opts.out) return fail("--out <dir> is required");
  const out = resolve(opts.out);

  if (opts.config) {
    if (!opts.stage) return fail("--stage is required with --config");
    if (!(STAGES as readonly string[]).includes(opts.stage)) return fail(`unknown stage '${opts.stage}'; one of ${STAGES.join(", ")}`);
    const file = resolve(opts.config);
    let raw: unknown;
    try {
      raw = parse(readFileSync(file, "utf8"));
    } catch (e) {
      return fail(`cannot read ${opts.config}: ${(e as Error).message}`);
    }
    const map = raw && typeof raw === "object" && "config" in raw ? (raw as { config: unknown }).config : raw;
    if (!map || typeof map !== "object") return fail(`${opts.config} holds no config map`);
    try {
      const config = parseStackConfig(map as Record<string, unknown>);
      if (config.stage !== opts.stage) return fail(`--stage ${opts.stage} but ${opts.config} says stage ${config.stage}; render the stage the file describes`);
      const files = renderDeployment(planDeployment(config, { projectDir: dirname(file) }));
      writeRender(out, files);
      process.stderr.write(`rendered ${files.size} files for stage ${config.stage} into ${out}\n`);
    } catch (e) {
      if (e instanceof KitError) return fail(`${e.code}\n  ${e.problems.join("\n  ")}`);
      throw e;
    }
  } else if (!opts.check) {
    return fail("--config <file> is required (or --check to check an existing render in --out)");
  }

  if (opts.check) {
    if (!existsSync(join(out, KUSTOMIZATION))) return fail(`${out} has no ${KUSTOMIZATION}; render into it first`);
    const findings = runGuardRules(subjectFromRenderedDir(out));
    for (const f of findings) process.stdout.write(`${f.rule}\t${f.object}\t${f.message}\n`);
    process.stderr.write(findings.length ? `guard rules: ${findings.length} finding(s)\n` : "guard rules: all passed\n");
    return findings.length ? 1 : 0;
  }
  return 0;
}

/** Writes the files, removing what an earlier render left that this one no longer has (never the operator's env file). */
function writeRender(out: string, files: Map<string, string>): void {
  mkdirSync(out, { recursive: true });
  for (const f of readdirSync(out)) {
    if (files.has(f)) continue;
    if (RENDERED.test(f) || f === KUSTOMIZATION || f === CLOUD_FILE || f === `${MINIO_ENV_FILE}.example`) rmSync(join(out, f));
  }
  for (const [name, content] of files) writeFileSync(join(out, name), content);
}
