/**
 * The one logger: pino JSON lines. Request logs carry request id, actor, graph, route,
 * status and duration — never tokens, headers or bodies (the redaction paths below are
 * a second line of defence for anything that slips into a log object).
 */
import { pino, type Logger, type DestinationStream } from "pino";

export type { Logger } from "pino";

export function createLogger(opts: { level: string; destination?: DestinationStream | number }): Logger {
  return pino(
    {
      level: opts.level,
      base: { service: "omnigraph" },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ["authorization", "*.authorization", "headers", "*.headers", "token", "*.token", "body", "*.body"], censor: "[redacted]" },
    },
    typeof opts.destination === "number" ? pino.destination({ fd: opts.destination, sync: false }) : opts.destination ?? pino.destination({ fd: 2, sync: false }),
  );
}
