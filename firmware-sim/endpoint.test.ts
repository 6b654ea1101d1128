/** One contract suite for both serial endpoint implementations: socat pty and the mock binding. */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { skipWithoutTool } from '../test/support/tools.js';
import { closeSerialPort, type SerialPortStream } from '../edge/serial/port.js';
import { openEndpoint, openPtyEndpoint, type SerialEndpoint } from './endpoint.js';
import { openMockEndpoint } from './mock-line.js';
import { HostReader, openHostSide } from './testing.js';

const noSocat = skipWithoutTool('socat');

const transports = [
  { name: 'pty (socat, real bindings)', skip: noSocat, open: () => openPtyEndpoint({ baudRate: 9600 }) },
  { name: 'mock binding', skip: false, open: async () => openMockEndpoint({ path: `/dev/ttyTEST-${randomUUID()}` }) },
];

describe.each(transports)('serial endpoint over $name', ({ skip, open }) => {
  const endpoints: SerialEndpoint[] = [];
  const ports: SerialPortStream[] = [];
  afterEach(async () => {
    for (const p of ports.splice(0)) await closeSerialPort(p);
    for (const e of endpoints.splice(0)) await e.close();
  });
  const setup = async (): Promise<{ endpoint: SerialEndpoint; host: SerialPortStream; atHost: HostReader; atDevice: Buffer[] }> => {
    const endpoint = await open();
    endpoints.push(endpoint);
    const host = await openHostSide({ transport: endpoint.kind, hostPath: endpoint.hostPath });
    ports.push(host);
    const atDevice: Buffer[] = [];
    endpoint.onData((chunk) => atDevice.push(chunk));
    return { endpoint, host, atHost: new HostReader(host), atDevice };
  };

  it.skipIf(skip)('carries device writes to the host, byte for byte', async () => {
    const { endpoint, atHost } = await setup();
    const bytes = Buffer.from([0x00, 0xff, 0x0d, 0x0a, 0x80, 0x7f]);
    await endpoint.write(bytes);
    await endpoint.write(Buffer.from('°C\r\n', 'utf8'));
    expect(await atHost.take(6)).toEqual(bytes);
    expect(await atHost.line()).toBe('°C');
  });

  it.skipIf(skip)('carries host writes to the device in order', async () => {
    const { host, atDevice } = await setup();
    const sent = Buffer.from(Array.from({ length: 300 }, (_, i) => i & 0xff));
    host.write(sent.subarray(0, 100));
    host.write(sent.subarray(100));
    await waitFor(() => Buffer.concat(atDevice).length >= 300);
    expect(Buffer.concat(atDevice)).toEqual(sent);
  });

  it.skipIf(skip)('keeps working when the host closes and reopens the port (agent restart)', async () => {
    const { endpoint, host } = await setup();
    await closeSerialPort(host);
    const again = await openHostSide({ transport: endpoint.kind, hostPath: endpoint.hostPath });
    ports.push(again);
    const reader = new HostReader(again);
    await endpoint.write(Buffer.from('after restart\r\n'));
    expect(await reader.line()).toBe('after restart');
  });

  it.skipIf(skip)('closes twice without error', async () => {
    const endpoint = await open();
    await endpoint.close();
    await endpoint.close();
  });
});

describe('mock endpoint specifics', () => {
  it('drops device writes while no host has the port open, as an unplugged line does', async () => {
    const endpoint = openMockEndpoint({ path: `/dev/ttyTEST-${randomUUID()}` });
    try {
      await endpoint.write(Buffer.from('lost\r\n'));
      const host = await openHostSide({ transport: 'mock', hostPath: endpoint.hostPath });
      const reader = new HostReader(host);
      await endpoint.write(Buffer.from('kept\r\n'));
      expect(await reader.line()).toBe('kept');
      await closeSerialPort(host);
    } finally {
      await endpoint.close();
    }
  });

  it('refuses a second device on the same path', async () => {
    const path = `/dev/ttyTEST-${randomUUID()}`;
    const endpoint = openMockEndpoint({ path });
    try {
      expect(() => openMockEndpoint({ path })).toThrow(/already uses/);
    } finally {
      await endpoint.close();
    }
  });

  it("openEndpoint('mock') gives the mock binding whatever socat's presence", async () => {
    const endpoint = await openEndpoint({ transport: 'mock', line: { baudRate: 9600 }, mockPath: `/dev/ttyTEST-${randomUUID()}` });
    expect(endpoint.kind).toBe('mock');
    await endpoint.close();
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
