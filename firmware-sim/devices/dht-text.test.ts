import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { skipWithoutTool } from '../../test/support/tools.js';
import { silentLogger } from '../../common/log.js';
import { closeSerialPort, type SerialPortStream } from '../../edge/serial/port.js';
import type { DeviceContext, EmittedValue, SimulatedDevice } from '../device.js';
import { openPtyEndpoint } from '../endpoint.js';
import { openMockEndpoint } from '../mock-line.js';
import { HostReader, openHostSide } from '../testing.js';
import { DHT_BANNER, DHT_FAILURE_LINE, dhtLine, heatIndexF, startDhtText, type DhtTextOptions } from './dht-text.js';

describe('dhtLine', () => {
  it('prints the new DHTtester format with two decimals and UTF-8 degree signs', () => {
    expect(dhtLine({ tempC: 23, rh: 45 }, 'new')).toEqual({
      line: 'Humidity: 45.00%  Temperature: 23.00°C 73.40°F  Heat index: 22.53°C 72.56°F',
      tempC: 23,
      rh: 45,
    });
  });

  it('prints the old format with tabs and *C', () => {
    expect(dhtLine({ tempC: 30, rh: 70 }, 'old').line).toBe('Humidity: 70.00 %\tTemperature: 30.00 *C 86.00 *F\tHeat index: 35.04 *C 95.07 *F');
  });

  it('reports DHT22 resolution (0.1) and negative temperatures', () => {
    const { line, tempC, rh } = dhtLine({ tempC: -5.27, rh: 91.04 }, 'new');
    expect(line.startsWith('Humidity: 91.00%  Temperature: -5.30°C 22.46°F')).toBe(true);
    expect([tempC, rh]).toEqual([-5.3, 91]);
  });

  it('uses the Rothfusz regression above 79 °F heat index (NWS table: 86 °F, 70 % → 95 °F)', () => {
    expect(heatIndexF(86, 70)).toBeCloseTo(95.07, 2);
    expect(heatIndexF(50, 50)).toBeCloseTo(0.5 * (50 + 61 + (50 - 68) * 1.2 + 50 * 0.094), 10);
  });
});

const noSocat = skipWithoutTool('socat');
const transports = [
  { name: 'pty (socat, real bindings)', skip: noSocat, open: () => openPtyEndpoint({ baudRate: 9600 }) },
  { name: 'mock binding', skip: false, open: async () => openMockEndpoint({ path: `/dev/ttyTEST-${randomUUID()}` }) },
];

describe.each(transports)('DHT text device over $name', ({ skip, open }) => {
  let device: SimulatedDevice | undefined;
  let host: SerialPortStream | undefined;
  afterEach(async () => {
    if (host) await closeSerialPort(host);
    if (device) await device.stop();
    host = device = undefined;
  });

  async function setup(options: Partial<DhtTextOptions>): Promise<{ reader: HostReader; emitted: EmittedValue[] }> {
    const endpoint = await open();
    const emitted: EmittedValue[] = [];
    const context: DeviceContext = { logger: silentLogger(), now: Date.now, scenarioTime: () => 0, record: (v) => emitted.push(v) };
    device = startDhtText({ endpoint, context, climate: () => ({ tempC: 1.24, rh: 92.46 }), intervalMs: 20, ...options });
    host = await openHostSide({ transport: endpoint.kind, hostPath: endpoint.hostPath });
    const reader = new HostReader(host);
    // Start talking only once the host listens: lines sent before would be lost, as on a real line.
    device.resume();
    return { reader, emitted };
  }

  it.skipIf(skip)('prints the banner, then one CRLF line per interval that the host reads back', async () => {
    const { reader, emitted } = await setup({});
    expect(await reader.line()).toBe(DHT_BANNER);
    const lines = [await reader.line(), await reader.line(), await reader.line()];
    expect(lines).toEqual(Array(3).fill('Humidity: 92.50%  Temperature: 1.20°C 34.16°F  Heat index: -0.21°C 31.62°F'));
    expect(emitted.slice(0, 3).map((e) => [e.tempC, e.rh, e.wire])).toEqual(Array(3).fill([1.2, 92.5, lines[0]]));
  });

  it.skipIf(skip)('prints the failure line every Nth line and does not count it as emitted', async () => {
    const { reader, emitted } = await setup({ failEvery: 3, banner: false, style: 'old' });
    const lines: string[] = [];
    for (let i = 0; i < 6; i++) lines.push(await reader.line());
    expect(lines.map((l) => (l === DHT_FAILURE_LINE ? 'fail' : l.startsWith('Humidity: 92.50 %\tTemperature: 1.20 *C') ? 'ok' : l))).toEqual(['ok', 'ok', 'fail', 'ok', 'ok', 'fail']);
    await device!.stop();
    // Every line the host read as good is listed, failures are not.
    expect(emitted.length).toBeGreaterThanOrEqual(4);
    expect(emitted.every((e) => e.wire.startsWith('Humidity: '))).toBe(true);
  });
});
