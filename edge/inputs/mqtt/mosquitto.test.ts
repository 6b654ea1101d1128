/**
 * The mqtt input against the machine's Mosquitto (127.0.0.1:1883): the same decoding and the
 * same no-PUBACK-until-accepted contract on the broker gateways run in the field. Topics carry
 * a random prefix so concurrent test runs on the shared broker do not see each other.
 *
 * Finding (Mosquitto 2.0.11): a QoS 1 message redelivered to a persistent session after the
 * subscriber died without PUBACK carries DUP = 1 and its original packet id, as MQTT-3.3.1-1
 * and MQTT-4.4.0-1 require (Mosquitto marks a message dup once it has been sent). So the agent
 * gets `redelivered: true` with the first attempt's key. aedes does not: redelivery.test.ts.
 */
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../common/log.js';
import type { Reading } from '../../../protocol/reading.js';
import { skipWithoutService } from '../../../test/support/tools.js';
import { waitFor } from '../../../test/support/wait.js';
import { EdgeMetrics } from '../../metrics.js';
import { TASMOTA } from './formats/fixtures.js';
import { createMqttInput, type MqttInputConfig } from './index.js';
import { inputRedelivery, probeRedelivery } from './test-support.js';

const URL = 'mqtt://127.0.0.1:1883';
const MOSQUITTO = { url: URL, port: 1883 };
const skip = await skipWithoutService('mosquitto', '127.0.0.1', 1883);

describe.skipIf(skip)('mqtt input with Mosquitto', () => {
  it('decodes Tasmota telemetry and gets an unaccepted message redelivered to its next session', async () => {
    const run = randomBytes(4).toString('hex');
    const topic = `ft-test-${run}/tele/cold-room-2/SENSOR`;
    const clientId = `ft-test-edge-${run}`;
    const config: MqttInputConfig = {
      type: 'mqtt',
      name: 'tasmota',
      url: URL,
      clientId,
      format: 'tasmota',
      topics: [`ft-test-${run}/tele/+/SENSOR`],
      defaultLocation: 'cold-room-2',
    };
    const ctx = { logger: silentLogger(), metrics: new EdgeMetrics(), now: () => Date.UTC(2024, 2, 4, 9, 12, 0) };
    const device = await mqtt.connectAsync(URL, { clientId: `ft-test-dev-${run}`, reconnectPeriod: 0 });
    const readings: Reading[] = [];
    try {
      let attempts = 0;
      const failing = createMqttInput(config, ctx);
      await failing.start(async () => {
        attempts++;
        throw new Error('outbox unavailable');
      });
      await device.publishAsync(topic, TASMOTA.sht3xWithOffset.payload, { qos: 1 });
      await waitFor(() => attempts === 1, 'the failed attempt');
      await failing.stop();

      const input = createMqttInput(config, ctx);
      await input.start(async (r) => {
        readings.push(r);
      });
      await waitFor(() => readings.length === 1, 'the redelivered reading');
      await input.stop();
      expect(readings[0]).toEqual({
        sensor: `ft-test-${run}/cold-room-2/SHT3X-0x45`,
        location: 'cold-room-2',
        ts: Date.UTC(2024, 2, 4, 9, 11, 12, 345),
        tsSource: 'device',
        tempC: 3.8,
        rh: 91.4,
        src: `mqtt:${topic}#SHT3X-0x45`,
      });
    } finally {
      await device.endAsync(true);
      // Drop the persistent session the test created on the shared broker.
      const cleanup = await mqtt.connectAsync(URL, { clientId, clean: true, reconnectPeriod: 0 });
      await cleanup.endAsync();
    }
  });

  it('redelivers a QoS 1 message to the persistent session of a killed subscriber with DUP set and the same packet id', async () => {
    const { first, second } = await probeRedelivery(MOSQUITTO);
    expect(first.dup).toBe(false);
    expect(second).toEqual({ dup: true, messageId: first.messageId });
  });

  it("with duplicateCheck 'dup-flag' the input tells the agent: same key, redelivered", async () => {
    const { first, second } = await inputRedelivery(MOSQUITTO, { duplicateCheck: 'dup-flag' });
    expect(first.meta).toEqual({ key: expect.stringMatching(/\|[0-9a-f]{64}\|\d+#0$/), redelivered: false });
    expect(second.meta).toEqual({ key: first.meta!.key, redelivered: true });
    expect(second.reading).toEqual(first.reading);
  });
});
