/** Reads one labelled value of a prom-client counter (0 when that label set never counted). */
import type { Counter } from 'prom-client';

export async function counterValue<L extends string>(counter: Counter<L>, labels: Partial<Record<L, string>>): Promise<number> {
  const { values } = await counter.get();
  const hit = values.find((v) => Object.entries(labels).every(([k, want]) => v.labels[k as L] === want));
  return hit?.value ?? 0;
}

/**
 * One sample of a Prometheus text exposition (GET /metrics of a process): the value of `name`
 * with exactly the given labels, 0 when absent.
 */
export function scrapedValue(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).sort().join(',');
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = (match[2] ?? '').split(',').filter(Boolean).sort().join(',');
    if (have === wanted) return Number(match[3]);
  }
  return 0;
}
