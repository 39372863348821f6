/**
 * The outcome of a promise as a stable code: "ok", or the typed error's `code`
 * (storage, store and engine errors all carry one). Anything without a code is a
 * bug in the test or the code under test, and is rethrown.
 */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "ok";
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (typeof code !== "string") throw e;
    return code;
  }
}
