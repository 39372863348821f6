// `npm run test:image` (image/test.sh): the image tests, kept out of `npm test`
// because they need root, the Debian image tools and a built archive.
export default {
  extensions: { ts: "module" },
  nodeArguments: ["--import=tsx"],
  workerThreads: false,
  files: ["test/image/**/*.test.ts"],
  timeout: "180s",
  concurrency: 2,
};
