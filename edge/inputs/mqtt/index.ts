/**
 * The `mqtt` input: subscribes to device topics at QoS 1 in a persistent session, decodes each
 * message with the configured format (message-handler.ts) and emits readings. A QoS 1 message
 * is acknowledged (PUBACK) only after its readings are durably accepted by the agent, so a
 * crash in between makes the broker redeliver it (MQTT 3.1.1 §4.4); each reading carries the
 * message's key and DUP flag so the agent can tell such a redelivery from a new message.
 * Malformed, unmapped and repeated messages are counted or dropped and acknowledged.
 */
import { redactUrl } from '../../../common/net.js';
import mqtt, { type IPublishPacket, type ISubscriptionGrant, type MqttClient } from 'mqtt';
import { errorMessage } from '../../../common/errors.js';
import { ReadingSink } from '../reading-sink.js';
import { SensorMap } from '../sensor-map.js';
import type { EmitReading, Input, InputContext } from '../types.js';
import { resolveMqttConfig, type MqttInputConfig, type MqttSettings } from './config.js';
import { Deduplicator } from './dedupe.js';
import { mqttFormat, type MqttFormat } from './formats/index.js';
import { MessageHandler } from './message-handler.js';

export { MqttInputSchema, type MqttInputConfig } from './config.js';

export function createMqttInput(config: MqttInputConfig, ctx: InputContext): Input {
  return new MqttInput(resolveMqttConfig(config), ctx);
}

class MqttInput implements Input {
  readonly name: string;
  private readonly format: MqttFormat;
  private readonly sensors: SensorMap;
  private readonly dedupe: Deduplicator;
  private client?: MqttClient;
  private sink?: ReadingSink;
  private handler?: MessageHandler;
  private inflight: Promise<unknown> = Promise.resolve();
  private stopped?: Promise<void>;

  constructor(
    private readonly settings: MqttSettings,
    private readonly ctx: InputContext,
  ) {
    this.name = settings.name;
    this.format = mqttFormat(settings.format, settings.formatOptions);
    this.sensors = new SensorMap(settings.sensors, settings.defaultLocation);
    this.dedupe = new Deduplicator(settings.dedupeWindowMs);
  }

  async start(emit: EmitReading): Promise<void> {
    const { url, clientId, username, password, connectTimeoutMs, topics } = this.settings;
    const where = redactUrl(url);
    this.sink = new ReadingSink(this.name, this.ctx, emit);
    this.handler = new MessageHandler({
      input: this.name,
      ctx: this.ctx,
      format: this.format,
      sensors: this.sensors,
      dedupe: this.dedupe,
      sink: this.sink,
      emit,
      duplicateCheck: this.settings.duplicateCheck,
    });
    const client = mqtt.connect(url, {
      clientId,
      username,
      password,
      clean: false, // persistent session: the broker keeps QoS 1 messages while we are away
      protocolVersion: 4,
      reconnectPeriod: 2000,
      connectTimeout: connectTimeoutMs,
    });
    this.client = client;
    // mqtt.js sends the PUBACK when this callback is called (lib/handlers/publish.js); an
    // error skips the PUBACK, leaving the message to be redelivered on the next session.
    client.handleMessage = (packet: IPublishPacket, done) => {
      const work = this.handler!.handle({
        topic: packet.topic,
        payload: Buffer.from(packet.payload),
        qos: packet.qos,
        retain: packet.retain,
        dup: packet.dup,
        messageId: packet.messageId,
      });
      this.inflight = work.catch(() => {});
      work.then(() => done(), (err: unknown) => done(err instanceof Error ? err : new Error(String(err))));
    };
    // Listen for errors from the first moment: an 'error' event without a listener ends the process.
    let connectedOnce = false;
    client.on('error', (err) => {
      if (connectedOnce) this.ctx.logger.warn({ url: where, err: err.message }, 'MQTT input connection error');
    });
    client.on('offline', () => {
      if (connectedOnce) this.ctx.logger.warn({ url: where }, 'MQTT input offline; reconnecting');
    });
    client.on('connect', () => {
      if (connectedOnce) this.ctx.logger.info({ url: where }, 'MQTT input reconnected');
    });
    let granted: ISubscriptionGrant[];
    try {
      await firstConnect(client, connectTimeoutMs);
      granted = await client.subscribeAsync(Object.fromEntries(topics.map((t) => [t, { qos: 1 as const }])));
      const refused = granted.filter((g) => g.qos === 128).map((g) => g.topic);
      if (refused.length > 0) throw new Error(`the broker refused the subscription to ${refused.join(', ')}`);
    } catch (err) {
      await client.endAsync(true).catch(() => {});
      this.client = undefined;
      throw new Error(`input ${this.name}: cannot subscribe at MQTT broker ${where}: ${errorMessage(err)}`);
    }
    connectedOnce = true;
    this.ctx.logger.info({ url: where, topics, format: this.format.name }, 'mqtt input started');
    // Some brokers only do QoS 0 (The Things Stack's MQTT server): no redelivery, no offline queue.
    const qos0 = granted.filter((g) => g.qos === 0).map((g) => g.topic);
    if (qos0.length > 0) this.ctx.logger.warn({ url: where, topics: qos0 }, 'the broker granted QoS 0 only: messages published while the agent is down are lost');
  }

  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.sink?.close();
      await this.client?.endAsync(false).catch(() => {});
      await this.inflight;
    })();
    return this.stopped;
  }
}

/** Resolves on the first CONNACK; rejects on an error or after `timeoutMs`. */
function firstConnect(client: MqttClient, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`no connection within ${timeoutMs} ms`)), timeoutMs);
    const onConnect = (): void => finish();
    const onError = (err: Error): void => finish(err);
    function finish(err?: Error): void {
      clearTimeout(timer);
      client.off('connect', onConnect);
      client.off('error', onError);
      if (err) reject(err);
      else resolve();
    }
    client.once('connect', onConnect);
    client.once('error', onError);
  });
}
