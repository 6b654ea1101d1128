/**
 * Temperature excursions as the lot chart shades them: spans where a sensor read above the
 * commodity's best storage temperature plus EXCURSION_MARGIN_C. A visual aid for the viewer,
 * not the alert rules (ingest config alerts.rules decide alerts; docs/dashboard.md).
 */

/** °C above the commodity's best temperature that the chart shades; 4 °C: a 0 °C crop above 4 °C loses shelf life about twice as fast (Q10 ≈ 3, reference/shelf-life.md). */
export const EXCURSION_MARGIN_C = 4;

export interface Span { from: number; to: number }

/** Spans of consecutive points above `limit` (points sorted by time): from the first point above to the first back at or below (or the last point). */
export function spansAbove(points: ReadonlyArray<readonly [number, number]>, limit: number): Span[] {
  const spans: Span[] = [];
  let start: number | undefined;
  for (const [t, v] of points) {
    if (v > limit) start ??= t;
    else if (start !== undefined) {
      spans.push({ from: start, to: t });
      start = undefined;
    }
  }
  if (start !== undefined) spans.push({ from: start, to: points[points.length - 1]![0] });
  return spans;
}

/** Overlapping or touching spans merged, sorted by start. */
export function mergeSpans(spans: readonly Span[]): Span[] {
  const sorted = [...spans].sort((a, b) => a.from - b.from);
  const out: Span[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s.from <= last.to) last.to = Math.max(last.to, s.to);
    else out.push({ ...s });
  }
  return out;
}
