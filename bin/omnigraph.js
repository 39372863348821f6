#!/usr/bin/env node
// The `omnigraph` CLI. TypeScript sources run through tsx (a runtime dependency),
// so the same entry point works from a clone, `npx omnigraph`, and the image.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../server/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
