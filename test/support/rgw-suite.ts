import type { TestFn } from "ava";
import { rgwEnv, rgwRequired, type RgwEnv } from "./rgw.ts";

/**
 * Registers tests that need the real S3 server (RGW). When RGW's environment is
 * missing: under CI=true one failing test says so (CI must fail, not skip); locally
 * the suite is reported as skipped with the reason, and how to start RGW.
 */
export function rgwSuite(test: TestFn, title: string, register: (env: RgwEnv) => void): void {
  const env = rgwEnv();
  if (env) {
    register(env);
    return;
  }
  const why = "RGW is not running (RGW_ENDPOINT is unset); start it with `eval \"$(bash test/support/rgw.sh start)\"`";
  if (rgwRequired) {
    test(`${title}: requires RGW under CI`, (t) => {
      t.fail(`${why}. Under CI=true the RGW suites fail rather than skip.`);
    });
  } else {
    const skipped = test.skip;
    skipped(`${title}: skipped locally — ${why}`, () => {});
  }
}
