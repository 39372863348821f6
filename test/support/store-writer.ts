// Child process for the multi-process race: N commits, each adding one row to the
// writer's own two tables (A<i>, B<i>) atomically, retrying on conflicts. Prints the
// acknowledged commit ids as JSON.
import { openStore } from "../../drivers/open.ts";
import { Graph } from "../../server/store/graph.ts";
import { GraphLocation } from "../../server/store/layout.ts";
import { add, commitWithRetry } from "../store/support.ts";

const [url, graphId, indexText, nText] = process.argv.slice(2);
const i = Number(indexText);
const loc = new GraphLocation(openStore(url!), `graphs/${graphId}`, graphId!, undefined);
// Writer processes take turns on the writer lease (each waits for the previous one to close).
const g = await Graph.open(loc, { mode: "read-write", recover: false, lease: { durationMs: 5000, waitMs: 300_000 } });
const acked: string[] = [];
for (let n = 0; n < Number(nText); n++) {
  acked.push(await commitWithRetry(g, "main", () => ({ [`node:A${i}`]: [add([`w${i}-${n}`, n])], [`node:B${i}`]: [add([`w${i}-${n}`, n])] }), [`node:A${i}`, `node:B${i}`]));
}
await g.close();
process.stdout.write(JSON.stringify(acked));
