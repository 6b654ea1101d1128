import { describe, expect, it } from 'vitest';
import { LineSplitter } from './line-splitter.js';

function collect(maxLineBytes?: number): { lines: string[]; overlong: number[]; splitter: LineSplitter } {
  const lines: string[] = [];
  const overlong: number[] = [];
  const splitter = new LineSplitter({ line: (t) => lines.push(t), overlong: (n) => overlong.push(n) }, maxLineBytes);
  return { lines, overlong, splitter };
}

describe('LineSplitter', () => {
  it('joins a line split across chunks, strips \\r, keeps UTF-8 split mid-character', () => {
    const { lines, splitter } = collect();
    const bytes = Buffer.from('Temperature: 23.00°C\r\nnext\n', 'utf8');
    const deg = bytes.indexOf(0xc2);
    splitter.push(bytes.subarray(0, deg + 1)); // cut between the two bytes of °
    splitter.push(bytes.subarray(deg + 1, deg + 5));
    splitter.push(bytes.subarray(deg + 5));
    expect(lines).toEqual(['Temperature: 23.00°C', 'next']);
  });

  it('emits several lines from one chunk and holds the unfinished tail', () => {
    const { lines, splitter } = collect();
    splitter.push(Buffer.from('a\nb\nc'));
    expect(lines).toEqual(['a', 'b']);
    splitter.push(Buffer.from('d\n'));
    expect(lines).toEqual(['a', 'b', 'cd']);
  });

  it('discards an over-long line up to its newline and reports it', () => {
    const { lines, overlong, splitter } = collect(16);
    splitter.push(Buffer.alloc(10, 0x41));
    splitter.push(Buffer.alloc(10, 0x42));
    splitter.push(Buffer.from('CC\nok\n'));
    expect(overlong).toEqual([22]);
    expect(lines).toEqual(['ok']);
  });

  it('reset() forgets a partial line', () => {
    const { lines, splitter } = collect();
    splitter.push(Buffer.from('Humidity: 4'));
    splitter.reset();
    splitter.push(Buffer.from('x\n'));
    expect(lines).toEqual(['x']);
  });
});
