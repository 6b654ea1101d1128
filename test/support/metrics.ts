/** Reads one labelled value of a prom-client counter (0 when that label set never counted). */
import type { Counter } from 'prom-client';

export async function counterValue<L extends string>(counter: Counter<L>, labels: Partial<Record<L, string>>): Promise<number> {
  const { values } = await counter.get();
  const hit = values.find((v) => Object.entries(labels).every(([k, want]) => v.labels[k as L] === want));
  return hit?.value ?? 0;
}
