/** Benchmark output: one JSON object per line (`{"bench","metric","value","unit",...context}`). */
export interface BenchResult {
  bench: string;
  metric: string;
  value: number;
  unit: string;
  [context: string]: string | number | boolean;
}

export type Report = (result: BenchResult) => void;

export const printReport: Report = (result) => {
  process.stdout.write(`${JSON.stringify(result)}\n`);
};

/** Runs `fn` repeatedly for at least `minMs` and returns operations per second. */
export async function rate(fn: () => unknown | Promise<unknown>, opsPerCall: number, minMs = 1500): Promise<number> {
  const start = performance.now();
  let calls = 0;
  while (performance.now() - start < minMs) {
    await fn();
    calls++;
  }
  return (calls * opsPerCall) / ((performance.now() - start) / 1000);
}

export const round = (x: number, digits = 0): number => Number(x.toFixed(digits));

/** The p-th percentile (nearest rank) of samples sorted ascending. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
