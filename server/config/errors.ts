/**
 * Typed configuration errors. Every message names the offending key, where it came
 * from (flag, environment variable or file) and how to fix it.
 */
export type ConfigErrorCode = "ERR_CONFIG_INVALID";

export class ConfigError extends Error {
  readonly code: ConfigErrorCode = "ERR_CONFIG_INVALID";
  constructor(
    /** Dotted config key (`limits.json_body_bytes`), or the variable/flag name. */
    readonly key: string,
    message: string,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "ConfigError";
  }
}

export function isConfigError(e: unknown): e is ConfigError {
  return e instanceof ConfigError;
}
