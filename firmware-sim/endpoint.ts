/**
 * The device side of a serial line. A simulated device writes bytes toward the host (the edge
 * agent) and receives what the host writes, without knowing whether the line is a real
 * pseudo-terminal pair (socat) or node-serialport's in-process mock binding.
 */
import type { Logger } from '../common/log.js';
import { closeSerialPort, openSerialPort, type Parity } from '../edge/serial/port.js';
import { openMockEndpoint } from './mock-line.js';
import { createPtyPair, socatAvailable, type PtyPairOptions } from './pty.js';

export type EndpointKind = 'pty' | 'mock';

export interface SerialEndpoint {
  /** 'pty': the host opens `hostPath` with the real bindings; 'mock': with `binding: 'mock'`. */
  readonly kind: EndpointKind;
  /** The path the edge agent opens. */
  readonly hostPath: string;
  /**
   * Puts bytes on the line toward the host. Resolves once the bytes are handed over. Like a
   * real line, bytes written while no host has the port open are lost.
   */
  write(bytes: Uint8Array): Promise<void>;
  /** Registers a receiver for bytes the host writes; chunks arrive in order, split anywhere. */
  onData(listener: (chunk: Buffer) => void): void;
  /** Closes the device side (and the pty pair). Safe to call twice. */
  close(): Promise<void>;
}

export interface LineSettings {
  baudRate: number;
  parity?: Parity;
  stopBits?: 1 | 2;
}

export interface EndpointRequest {
  /** 'auto' picks 'pty' when socat is installed, else 'mock'. */
  transport: EndpointKind | 'auto';
  line: LineSettings;
  /** The host path to create for the mock binding (ignored for a pty). */
  mockPath: string;
  /** Where to put the pty links (ignored for the mock binding). */
  pty?: PtyPairOptions;
  logger?: Logger;
}

/** Opens the device side of a line as requested (see {@link EndpointRequest}). */
export async function openEndpoint(request: EndpointRequest): Promise<SerialEndpoint> {
  const kind = request.transport === 'auto' ? (socatAvailable() ? 'pty' : 'mock') : request.transport;
  if (kind === 'mock') return openMockEndpoint({ path: request.mockPath });
  return openPtyEndpoint(request.line, { ...request.pty, logger: request.logger });
}

/**
 * A socat pty pair whose device side is opened through node-serialport's real bindings. Line
 * settings are applied to the device side (a pty ignores baud, but the agent sets its own).
 */
export async function openPtyEndpoint(line: LineSettings, options: PtyPairOptions & { logger?: Logger } = {}): Promise<SerialEndpoint> {
  const pair = await createPtyPair(options);
  let port;
  try {
    port = await openSerialPort({ path: pair.devicePath, baudRate: line.baudRate, parity: line.parity, stopBits: line.stopBits });
  } catch (err) {
    await pair.close();
    throw err;
  }
  // A port error (the pty vanished) must not crash the simulator: log it, the device goes quiet.
  port.on('error', (err: Error) => options.logger?.warn({ err: err.message, path: pair.devicePath }, 'simulated device port error'));
  let closed = false;
  return {
    kind: 'pty',
    hostPath: pair.hostPath,
    write: (bytes) =>
      new Promise((resolve) => {
        if (closed || !port.isOpen) return resolve();
        port.write(Buffer.from(bytes));
        port.drain(() => resolve());
      }),
    onData: (listener) => {
      port.on('data', (chunk: Buffer) => listener(chunk));
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await closeSerialPort(port);
      await pair.close();
    },
  };
}
