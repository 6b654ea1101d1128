/**
 * Host-side helpers for tests that talk to simulated serial devices the way the edge agent
 * does: open the host end of a line (pty or mock) and read exact byte counts or lines from it.
 */
import { closeSerialPort, openSerialPort, type SerialPortStream } from '../edge/serial/port.js';
import type { EndpointKind } from './endpoint.js';

/** Opens the agent's end of a simulated line: native bindings for a pty, the mock binding otherwise. */
export function openHostSide(line: { transport: EndpointKind; hostPath: string; baudRate?: number }): Promise<SerialPortStream> {
  return openSerialPort({ path: line.hostPath, baudRate: line.baudRate ?? 9600, binding: line.transport === 'mock' ? 'mock' : 'native' });
}

export { closeSerialPort };

/** Buffers everything a port receives and hands out exact byte counts or CRLF lines. */
export class HostReader {
  private buffer = Buffer.alloc(0);
  private waiter: (() => void) | undefined;

  constructor(port: SerialPortStream) {
    port.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.waiter?.();
    });
  }

  /** Bytes received and not yet taken. */
  get pending(): number {
    return this.buffer.length;
  }

  /** Resolves with exactly `n` bytes; rejects after `timeoutMs` with what did arrive. */
  async take(n: number, timeoutMs = 5000): Promise<Buffer> {
    await this.until(() => this.buffer.length >= n, timeoutMs, () => `expected ${n} bytes, got ${this.buffer.toString('hex')}`);
    const out = this.buffer.subarray(0, n);
    this.buffer = this.buffer.subarray(n);
    return Buffer.from(out);
  }

  /** Resolves with the next line, without its CRLF (decoded as UTF-8). */
  async line(timeoutMs = 5000): Promise<string> {
    await this.until(() => this.buffer.includes('\r\n'), timeoutMs, () => `expected a CRLF line, got ${JSON.stringify(this.buffer.toString('utf8'))}`);
    const end = this.buffer.indexOf('\r\n');
    const text = this.buffer.subarray(0, end).toString('utf8');
    this.buffer = this.buffer.subarray(end + 2);
    return text;
  }

  private until(ready: () => boolean, timeoutMs: number, describe: () => string): Promise<void> {
    if (ready()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`timed out after ${timeoutMs} ms: ${describe()}`));
      }, timeoutMs);
      this.waiter = () => {
        if (!ready()) return;
        clearTimeout(timer);
        this.waiter = undefined;
        resolve();
      };
    });
  }
}
