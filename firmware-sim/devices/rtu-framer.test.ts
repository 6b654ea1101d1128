import { afterEach, describe, expect, it, vi } from 'vitest';
import { requestLength, RtuFramer, silenceMs } from './rtu-framer.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s/g, ''), 'hex');

describe('requestLength', () => {
  it('knows the fixed-size requests and the write-multiple ones by their byte count', () => {
    expect(requestLength(hex('01'))).toBeUndefined();
    expect(requestLength(hex('0104'))).toBe(8);
    expect(requestLength(hex('0103'))).toBe(8);
    expect(requestLength(hex('0106'))).toBe(8);
    expect(requestLength(hex('0110 0001 0002'))).toBeUndefined(); // byte count not yet seen
    expect(requestLength(hex('0110 0001 0002 04'))).toBe(13);
    expect(requestLength(hex('0111'))).toBeUndefined(); // report slave id: sized by silence
  });
});

describe('silenceMs', () => {
  it('is 3.5 characters of 11 bits, fixed above 19200 baud, floored for timer jitter', () => {
    expect(silenceMs(9600, 0)).toBeCloseTo(4.01, 2); // §2.5.1.1: 3.5 × 11 / 9600 s
    expect(silenceMs(115200, 0)).toBe(1.75);
    expect(silenceMs(9600)).toBe(20);
    expect(silenceMs(1200)).toBeCloseTo(32.08, 2);
  });
});

describe('RtuFramer', () => {
  afterEach(() => vi.useRealTimers());

  it('cuts frames by length even when they arrive split or back to back', () => {
    const frames: string[] = [];
    const framer = new RtuFramer((f) => frames.push(f.toString('hex')), 20);
    framer.push(hex('01 04 00'));
    framer.push(hex('01 00 02 20'));
    expect(frames).toEqual([]);
    framer.push(hex('0b 05 04 00 01 00 02 21 8f'));
    expect(frames).toEqual(['010400010002200b', '050400010002218f']);
    framer.reset();
  });

  it('ends an unsized frame, or drops a fragment into the CRC check, after the silence', () => {
    vi.useFakeTimers();
    const frames: string[] = [];
    const framer = new RtuFramer((f) => frames.push(f.toString('hex')), 20);
    framer.push(hex('01 11'));
    vi.advanceTimersByTime(19);
    framer.push(hex('c0 2c')); // still inside the frame: the timer restarts
    vi.advanceTimersByTime(19);
    expect(frames).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(frames).toEqual(['0111c02c']);
    // A truncated read request: after the silence the next request starts a fresh frame.
    framer.push(hex('01 04 00 01'));
    vi.advanceTimersByTime(20);
    framer.push(hex('01 04 00 01 00 02 20 0b'));
    expect(frames).toEqual(['0111c02c', '01040001', '010400010002200b']);
  });
});
