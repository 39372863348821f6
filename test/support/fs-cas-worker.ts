// Child process for the fs multi-process test: increments a counter object `n` times
// with compare-and-swap, retrying on ERR_PRECONDITION_FAILED, then races one
// create-only write and prints what happened as JSON.
import { isStorageError } from "../../drivers/errors.ts";
import { FsStore } from "../../drivers/fs.ts";

const [root, nText, id] = process.argv.slice(2);
const store = new FsStore(root!);
let conflicts = 0;
for (let i = 0; i < Number(nText); i++) {
  for (;;) {
    const cur = await store.get("counter");
    try {
      await store.put("counter", String(Number(cur.body.toString()) + 1), { ifMatch: cur.version });
      break;
    } catch (e) {
      if (!isStorageError(e, "ERR_PRECONDITION_FAILED")) throw e;
      conflicts++;
    }
  }
}
let created = false;
try {
  await store.put("winner", String(id), { ifNoneMatch: "*" });
  created = true;
} catch (e) {
  if (!isStorageError(e, "ERR_PRECONDITION_FAILED")) throw e;
}
process.stdout.write(JSON.stringify({ id, conflicts, created }));
