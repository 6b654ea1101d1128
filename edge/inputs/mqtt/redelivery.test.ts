/**
 * Exactly-once across a gateway crash relies on the broker redelivering an unacknowledged
 * QoS 1 message to the persistent session, and on the agent recognizing it (ReadingMeta: same
 * key, redelivered). This file pins down what the in-process aedes broker does; the same
 * scenarios against Mosquitto are in mosquitto.test.ts.
 *
 * Finding (aedes 1.2.0): the redelivery arrives with the original packet id but DUP = 0,
 * against MQTT-3.3.1-1. aedes resends the stored packet as it was first written
 * (lib/handlers/connect.js emptyQueue → aedes-packet copies `dup || false`) and never marks it.
 * With duplicateCheck 'dup-flag' the agent is therefore not told to look for the duplicate;
 * duplicateCheck 'always' restores the check.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inputRedelivery, probeRedelivery, startAedes, type TestBroker } from './test-support.js';

describe('redelivery after a killed subscriber, aedes', () => {
  let broker: TestBroker;
  beforeEach(async () => {
    broker = await startAedes();
  });
  afterEach(async () => {
    await broker.close();
  });

  it('aedes redelivers with the original packet id but without the DUP flag', async () => {
    const { first, second } = await probeRedelivery(broker);
    expect(first.dup).toBe(false);
    expect(second.messageId).toBe(first.messageId);
    expect(second.dup).toBe(false); // MQTT-3.3.1-1 says true
  });

  it("with duplicateCheck 'dup-flag' the input gives the agent the same key both times, but redelivered only as the broker flags it", async () => {
    const { first, second } = await inputRedelivery(broker, { duplicateCheck: 'dup-flag' });
    expect(first.meta).toEqual({ key: expect.stringMatching(/^ft-test-\w+\/tele\/cold-room-2\/SENSOR\|[0-9a-f]{64}\|\d+#0$/), redelivered: false });
    expect(second.meta).toEqual({ key: first.meta!.key, redelivered: false });
    expect(second.reading).toEqual(first.reading);
  });

  it("with duplicateCheck 'always' every QoS 1 message is offered for the duplicate check", async () => {
    const { first, second } = await inputRedelivery(broker, { duplicateCheck: 'always' });
    expect(first.meta?.redelivered).toBe(true);
    expect(second.meta).toEqual({ key: first.meta!.key, redelivered: true });
  });
});
