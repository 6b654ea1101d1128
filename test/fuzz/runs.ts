/**
 * Shared settings of the fuzz suite (issue 7, "Hostile input"): how many generated cases each
 * property runs, and a guard that fails a file when its run left an unhandled rejection, an
 * uncaught exception or a polluted Object.prototype behind.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';

/** The floor for every parser target. FRESHTRAIL_FUZZ_RUNS may raise it (a nightly run), never lower it. */
export const FUZZ_RUNS: number = Math.max(10_000, Math.floor(Number(process.env.FRESHTRAIL_FUZZ_RUNS ?? 0)) || 0);

/**
 * Options for fc.assert: the run count, and FRESHTRAIL_FUZZ_SEED to replay a reported failure
 * (fast-check prints the seed and path of a counterexample).
 */
export function fuzzParams(numRuns: number = FUZZ_RUNS): { numRuns: number; seed?: number } {
  const seed = process.env.FRESHTRAIL_FUZZ_SEED;
  return seed === undefined ? { numRuns } : { numRuns, seed: Number(seed) };
}

/** Timeout of one fuzz test: generous, since a 2-core CI machine runs two files at once. */
export const FUZZ_TIMEOUT_MS = 120_000;

/**
 * Installs process listeners for the whole file and adds a last test asserting that none fired
 * and that no property was added to Object.prototype (a `__proto__` key merged the wrong way).
 * Call once at the top level of a fuzz file, after its other tests are declared.
 */
export function expectCleanProcess(): void {
  const rejections: unknown[] = [];
  const exceptions: unknown[] = [];
  const onRejection = (reason: unknown): void => void rejections.push(reason);
  const onException = (err: unknown): void => void exceptions.push(err);
  const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();
  beforeAll(() => {
    process.on('unhandledRejection', onRejection);
    process.on('uncaughtException', onException);
  });
  afterAll(() => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  });
  it('left no unhandled rejection, no uncaught exception and an unpolluted Object.prototype', async () => {
    // Rejections are reported after a turn of the event loop: let any pending one surface.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(rejections).toEqual([]);
    expect(exceptions).toEqual([]);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
  });
}
