/** The dashboard's pure helpers: excursion spans, chart ticks, the event-stream block parser, the trace graph's columns. */
import { describe, expect, it } from 'vitest';
import { niceTicks } from './src/chart.js';
import { mergeSpans, spansAbove } from './src/excursions.js';
import { parseEventBlock } from './src/sse.js';
import { graphNodes } from './src/pages/trace.js';
import type { Trace } from './src/types.js';

describe('excursion spans', () => {
  it('spans the points above the limit up to the first point back below, or the last point', () => {
    const pts: Array<[number, number]> = [[0, 1], [1, 5], [2, 6], [3, 2], [4, 4.5], [5, 9]];
    expect(spansAbove(pts, 4)).toEqual([{ from: 1, to: 3 }, { from: 4, to: 5 }]);
    expect(spansAbove(pts, 10)).toEqual([]);
    expect(spansAbove([[7, 5]], 4)).toEqual([{ from: 7, to: 7 }]);
    // At the limit is not above it.
    expect(spansAbove([[0, 4], [1, 4]], 4)).toEqual([]);
  });

  it('merges overlapping spans of several sensors', () => {
    expect(mergeSpans([{ from: 5, to: 9 }, { from: 1, to: 3 }, { from: 2, to: 6 }, { from: 20, to: 21 }])).toEqual([{ from: 1, to: 9 }, { from: 20, to: 21 }]);
  });
});

describe('chart ticks', () => {
  it('picks round steps of 1, 2 or 5 × 10^k', () => {
    expect(niceTicks(0, 10)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(-1.3, 12.7)).toEqual([0, 5, 10]);
    expect(niceTicks(5.99965, 6.00012)).toEqual([5.9997, 5.9998, 5.9999, 6, 6.0001]);
  });
});

describe('event-stream blocks (WHATWG HTML §9.2.6)', () => {
  it('reads the id and the data lines, skipping comments', () => {
    expect(parseEventBlock(': keepalive\nid: 7\nevent: alert\ndata: {"a":1}')).toEqual({ id: '7', data: '{"a":1}' });
    expect(parseEventBlock('data: one\ndata: two')).toEqual({ data: 'one\ntwo' });
    expect(parseEventBlock(': only a comment')).toEqual({});
  });
});

describe('trace graph columns', () => {
  const trace = (direction: 'back' | 'forward', nodes: Array<[string, number]>): Trace => ({
    lot: 'L', direction, truncated: false, edges: [], holders: [], origins: [],
    nodes: nodes.map(([tlc, depth]) => ({ tlc, commodity: 'strawberry', createdAt: '2026-01-01T00:00:00Z', depth })),
  });
  it('puts upstream lots left of the lot and downstream lots right of it', () => {
    const nodes = graphNodes(trace('back', [['L', 0], ['IN-1', 1], ['FARM', 2]]), trace('forward', [['L', 0], ['SALAD', 1]]));
    expect(Object.fromEntries(nodes.map((n) => [n.tlc, n.column]))).toEqual({ L: 0, 'IN-1': -1, FARM: -2, SALAD: 1 });
  });
});
