// `npm run test:image` (image/test.sh): the image tests, kept out of `npm test`
// because they need root, the Debian image tools and a built archive.
export default {
  extensions: { ts: "module" },
  nodeArguments: ["--import=tsx"],
  workerThreads: false,
  files: ["test/image/**/*.test.ts"],
  // Unpacking ~900 MB of layers with umoci takes 40 s on an idle 2-core machine
  // and minutes on a busy one; ava's timeout is the gap between test results.
  timeout: "600s",
  concurrency: 2,
};
