/**
 * Files and values named on the command line: read once, failures typed
 * (`ERR_INPUT_FILE` names the file; `ERR_USAGE` says what a value must look like).
 */
import { readFile, stat } from "node:fs/promises";
import { CliError } from "./errors.ts";

/** Reads a UTF-8 file given by `flag`; a missing or unreadable file is `ERR_INPUT_FILE`. */
export async function readInputFile(path: string, flag: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    throw new CliError("ERR_INPUT_FILE", `${flag} ${path}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
  }
}

/** Size of a file given by `flag` (and that it is a readable regular file). */
export async function inputFileSize(path: string, flag: string): Promise<number> {
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new CliError("ERR_INPUT_FILE", `${flag} ${path}: not a regular file`);
    return s.size;
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError("ERR_INPUT_FILE", `${flag} ${path}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
  }
}

function paramsObject(text: string, from: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new CliError("ERR_USAGE", `${from} is not valid JSON (${(e as Error).message}); pass an object like '{"name": "Alice"}'`);
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw new CliError("ERR_USAGE", `${from} must be a JSON object of parameter values, like '{"name": "Alice"}'`);
  return v as Record<string, unknown>;
}

/**
 * Query parameters: `--params-file <file.json>` and/or `--params '<json>'`, both JSON
 * objects; when both are given, keys of `--params` win.
 */
export async function readParams(opts: { params?: string | undefined; paramsFile?: string | undefined }): Promise<Record<string, unknown> | undefined> {
  if (opts.params === undefined && opts.paramsFile === undefined) return undefined;
  const fromFile = opts.paramsFile !== undefined ? paramsObject(await readInputFile(opts.paramsFile, "--params-file"), `--params-file ${opts.paramsFile}`) : {};
  const inline = opts.params !== undefined ? paramsObject(opts.params, "--params") : {};
  return { ...fromFile, ...inline };
}
