// The long fault suite (`npm run test:faults`): deterministic interleavings that need
// big tables and the soak runs with random kills. Not part of `npm test`.
export default {
  extensions: { ts: "module" },
  nodeArguments: ["--import=tsx"],
  workerThreads: false,
  files: ["test/faults/**/*.test.ts"],
  timeout: "20m",
  concurrency: 1,
};
