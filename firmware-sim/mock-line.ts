/**
 * A serial line over node-serialport's in-process mock binding (@serialport/binding-mock), for
 * machines without socat. The agent opens the path with `binding: 'mock'`, in the same process.
 *
 * binding-mock has no "other end": `createPort(path)` registers a port, and only the
 * MockPortBinding that the host's open() returns can see the host's writes (`write()`) and push
 * bytes to it (`emitData()`). So this module wraps `MockBinding.open` once: when a port this
 * module created is opened, it wraps that binding's write() to forward the host's bytes to the
 * device, and the device's writes become emitData() calls. Other mock ports are untouched.
 */
import { SerialPortMock } from '../edge/serial/port.js';
import type { SerialEndpoint } from './endpoint.js';

type MockPortBinding = Awaited<ReturnType<typeof SerialPortMock.binding.open>>;

interface MockLine {
  host: MockPortBinding | undefined;
  listeners: Array<(chunk: Buffer) => void>;
}

const lines = new Map<string, MockLine>();
let hookInstalled = false;

function installOpenHook(): void {
  if (hookInstalled) return;
  hookInstalled = true;
  const binding = SerialPortMock.binding;
  const originalOpen = binding.open.bind(binding);
  binding.open = async (options) => {
    const port = await originalOpen(options);
    const line = lines.get(options.path);
    if (line) attachHost(line, port);
    return port;
  };
}

function attachHost(line: MockLine, port: MockPortBinding): void {
  const write = port.write.bind(port);
  port.write = async (buffer: Buffer): Promise<void> => {
    await write(buffer);
    const copy = Buffer.from(buffer);
    // Deliver on a later turn, as bytes on a wire arrive after the write call returns.
    setImmediate(() => {
      if (lines.get(port.openOptions.path) !== line) return;
      for (const listener of line.listeners) listener(copy);
    });
  };
  const close = port.close.bind(port);
  port.close = async (): Promise<void> => {
    if (line.host === port) line.host = undefined;
    return close();
  };
  line.host = port;
}

/**
 * Registers `path` with the mock binding and returns its device side. Throws if this process
 * already simulates a device on that path.
 */
export function openMockEndpoint(options: { path: string }): SerialEndpoint {
  const { path } = options;
  if (lines.has(path)) throw new Error(`a simulated device already uses the mock serial path ${path}`);
  installOpenHook();
  SerialPortMock.binding.createPort(path, { echo: false, record: false });
  const line: MockLine = { host: undefined, listeners: [] };
  lines.set(path, line);
  let closed = false;
  return {
    kind: 'mock',
    hostPath: path,
    write: async (bytes) => {
      // No host has the port open: the bytes are lost, as on an unplugged line.
      if (closed || !line.host?.isOpen) return;
      line.host.emitData(Buffer.from(bytes));
    },
    onData: (listener) => {
      line.listeners.push(listener);
    },
    close: async () => {
      if (closed) return;
      closed = true;
      line.listeners = [];
      lines.delete(path);
    },
  };
}
