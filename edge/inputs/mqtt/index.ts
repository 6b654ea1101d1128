/**
 * The `mqtt` input: subscribes to device topics at QoS 1, decodes each message with the
 * configured format, maps devices to sensors and emits readings. A QoS 1 message is
 * acknowledged (PUBACK) only after its readings are durably accepted by the agent, so a crash
 * in between makes the broker redeliver it (persistent session, MQTT 3.1.1 §4.4). Malformed,
 * unmapped and repeated messages are counted or dropped and acknowledged; nothing crashes.
 * Retained messages without a device timestamp are skipped: their age is unknown.
 */
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import { errorMessage } from '../../../common/errors.js';
import { ReadingSink } from '../reading-sink.js';
import { SensorMap } from '../sensor-map.js';
import type { EmitReading, Input, InputContext } from '../types.js';
import { resolveMqttConfig, type MqttInputConfig, type MqttSettings } from './config.js';
import { Deduplicator } from './dedupe.js';
import { mqttFormat, type MqttFormat } from './formats/index.js';

export { MqttInputSchema, type MqttInputConfig } from './config.js';

export function createMqttInput(config: MqttInputConfig, ctx: InputContext): Input {
  return new MqttInput(resolveMqttConfig(config), ctx);
}

/** The broker URL without credentials, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

class MqttInput implements Input {
  readonly name: string;
  private readonly format: MqttFormat;
  private readonly sensors: SensorMap;
  private readonly dedupe: Deduplicator;
  private client?: MqttClient;
  private sink?: ReadingSink;
  private inflight: Promise<unknown> = Promise.resolve();
  private stopped?: Promise<void>;

  constructor(
    private readonly settings: MqttSettings,
    private readonly ctx: InputContext,
  ) {
    this.name = settings.name;
    this.format = mqttFormat(settings.format, { baseTopic: settings.baseTopic });
    this.sensors = new SensorMap(settings.sensors, settings.defaultLocation);
    this.dedupe = new Deduplicator(settings.dedupeWindowMs);
  }

  async start(emit: EmitReading): Promise<void> {
    const { url, clientId, username, password, connectTimeoutMs, topics } = this.settings;
    const where = redactUrl(url);
    this.sink = new ReadingSink(this.name, this.ctx, emit);
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
      const work = this.handle(packet);
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
    try {
      await firstConnect(client, connectTimeoutMs);
      const granted = await client.subscribeAsync(Object.fromEntries(topics.map((t) => [t, { qos: 1 as const }])));
      const refused = granted.filter((g) => g.qos === 128).map((g) => g.topic);
      if (refused.length > 0) throw new Error(`the broker refused the subscription to ${refused.join(', ')}`);
    } catch (err) {
      await client.endAsync(true).catch(() => {});
      this.client = undefined;
      throw new Error(`input ${this.name}: cannot subscribe at MQTT broker ${where}: ${errorMessage(err)}`);
    }
    connectedOnce = true;
    this.ctx.logger.info({ url: where, topics, format: this.format.name }, 'mqtt input started');
  }

  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.sink?.close();
      await this.client?.endAsync(false).catch(() => {});
      await this.inflight;
    })();
    return this.stopped;
  }

  /** Resolves when the message may be acknowledged; rejects when it must not be. */
  private async handle(packet: IPublishPacket): Promise<void> {
    const sink = this.sink!;
    if (sink.isClosed) throw new Error('the input is stopping');
    const topic = packet.topic;
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : Buffer.from(packet.payload);
    if (!this.format.match(topic, payload)) return;
    const now = this.ctx.now();
    if (this.dedupe.isRepeat(topic, payload, now)) {
      this.ctx.logger.debug({ topic }, 'repeated message ignored');
      return;
    }
    const decoded = this.format.decode({ topic, payload });
    if (!decoded.ok) {
      sink.fail('parse', `${topic}: ${decoded.detail}`, { topic });
      this.dedupe.remember(topic, payload, now);
      return;
    }
    const offers = [];
    for (const obs of decoded.observations) {
      // A retained message is replayed on every subscribe (MQTT 3.1.1 §3.3.1.3); without a
      // device timestamp its age is unknown, and stamping it "now" would misdate an old value.
      if (packet.retain && obs.deviceTime === undefined) {
        this.ctx.logger.debug({ topic }, 'retained message without a device time ignored');
        continue;
      }
      const sensor = this.sensors.resolve({ device: obs.device, channel: obs.channel, topic });
      const deviceKey = obs.channel === undefined ? obs.device : `${obs.device}/${obs.channel}`;
      if (!sensor) {
        sink.fail('unmapped', `no sensor mapping for device ${JSON.stringify(deviceKey)} (add it to sensors, or set defaultLocation)`, { topic });
        continue;
      }
      offers.push(
        sink.offer({
          sensor,
          temperature: obs.temperature,
          temperatureUnit: obs.temperatureUnit,
          humidity: obs.humidity,
          battery: obs.battery,
          link: obs.link,
          deviceTime: obs.deviceTime,
          src: obs.channel === undefined ? `mqtt:${topic}` : `mqtt:${topic}#${obs.channel}`,
        }),
      );
    }
    const results = await Promise.all(offers);
    if (results.includes('failed')) throw new Error('the agent did not accept every reading of this message');
    this.dedupe.remember(topic, payload, now);
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
