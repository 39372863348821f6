/**
 * `omnigraph serve`: the Koa data plane. Not built yet — the storage drivers, the graph
 * store and the engine come first (see README "Status"). Until then this says so
 * plainly and exits non-zero rather than pretending to serve.
 */
export async function run(_argv: string[]): Promise<number> {
  process.stderr.write(
    "omnigraph serve: the data plane (Koa server) is not built yet in this checkout.\n" +
      "When it lands, `npm start` runs it all-in-one on ./.data (fs store) at http://127.0.0.1:8080.\n" +
      "Today you can probe a store with: npx omnigraph doctor --store fs://$PWD/.data\n",
  );
  return 2;
}
