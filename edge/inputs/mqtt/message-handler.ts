/**
 * What the mqtt input does with one device message: drop repeats, decode it with the format,
 * map each observation to its sensor, and emit the readings with the message's identity
 * (ReadingMeta) so the agent can recognize a redelivery after a crash. `handle` resolves when
 * the message may be acknowledged (PUBACK) and rejects when the broker must redeliver it.
 */
import { createHash } from 'node:crypto';
import type { RawObservation } from '../normalize.js';
import type { OfferResult, ReadingSink } from '../reading-sink.js';
import type { SensorMap } from '../sensor-map.js';
import type { EmitReading, InputContext } from '../types.js';
import type { DuplicateCheck } from './config.js';
import type { Deduplicator } from './dedupe.js';
import type { MqttFormat } from './formats/index.js';

/** The parts of an MQTT PUBLISH the input uses. */
export interface DeviceMessage {
  topic: string;
  payload: Buffer;
  qos: number;
  retain: boolean;
  /** The DUP flag: the broker may have delivered this message before (MQTT 3.1.1 §3.3.1.1). */
  dup: boolean;
  /** Packet identifier; kept on redelivery (MQTT-4.4.0-1), absent at QoS 0. */
  messageId?: number;
}

export interface MessageHandlerDeps {
  input: string;
  ctx: InputContext;
  format: MqttFormat;
  sensors: SensorMap;
  dedupe: Deduplicator;
  sink: ReadingSink;
  emit: EmitReading;
  duplicateCheck: DuplicateCheck;
}

/**
 * Identity of one reading of one device message: the same bytes on the same topic under the
 * same packet id, and the observation's place in the decoded message. A redelivered message
 * (same packet id, MQTT-4.4.0-1) gets the same keys; a new message with identical content
 * (a Shelly repeating "4.50") normally has another packet id, so it is not taken for a repeat.
 */
export function readingKey(message: Pick<DeviceMessage, 'topic' | 'payload' | 'messageId'>, index: number): string {
  const digest = createHash('sha256').update(message.payload).digest('hex');
  return `${message.topic}|${digest}|${message.messageId ?? '-'}#${index}`;
}

export class MessageHandler {
  constructor(private readonly deps: MessageHandlerDeps) {}

  async handle(message: DeviceMessage): Promise<void> {
    const { ctx, format, sensors, dedupe, sink } = this.deps;
    if (sink.isClosed) throw new Error('the input is stopping');
    const { topic, payload } = message;
    if (!format.match(topic, payload)) return;
    const now = ctx.now();
    if (dedupe.isRepeat(topic, payload, now)) {
      ctx.logger.debug({ topic }, 'repeated message ignored');
      return;
    }
    const decoded = format.decode({ topic, payload, now, retained: message.retain });
    if (!decoded.ok) {
      sink.fail(decoded.reason ?? 'parse', `${topic}: ${decoded.detail}`, { topic });
      dedupe.remember(topic, payload, now);
      return;
    }
    // QoS 0 is never redelivered; at QoS 1 the broker's DUP flag says "possibly seen", unless
    // the configuration says this broker does not set it (see `duplicateCheck`).
    const redelivered = message.qos > 0 && (message.dup || this.deps.duplicateCheck === 'always');
    const offers: Promise<OfferResult>[] = [];
    decoded.observations.forEach((obs, index) => {
      // A retained message is replayed on every subscribe (MQTT 3.1.1 §3.3.1.3); without a
      // device timestamp its age is unknown, and stamping it "now" would misdate an old value.
      if (message.retain && obs.deviceTime === undefined) {
        ctx.logger.debug({ topic }, 'retained message without a device time ignored');
        return;
      }
      const sensor = sensors.resolve({ device: obs.device, channel: obs.channel, topic });
      const deviceKey = obs.channel === undefined ? obs.device : `${obs.device}/${obs.channel}`;
      if (!sensor) {
        sink.fail('unmapped', `no sensor mapping for device ${JSON.stringify(deviceKey)} (add it to sensors, or set defaultLocation)`, { topic });
        return;
      }
      const raw: RawObservation = {
        sensor,
        temperature: obs.temperature,
        temperatureUnit: obs.temperatureUnit,
        humidity: obs.humidity,
        battery: obs.battery,
        link: obs.link,
        deviceTime: obs.deviceTime,
        src: obs.channel === undefined ? `mqtt:${topic}` : `mqtt:${topic}#${obs.channel}`,
      };
      // The index counts decoded observations, not emitted ones, so it is the same on redelivery.
      offers.push(this.deps.sink.offer(raw, { key: readingKey(message, index), redelivered }));
    });
    const results = await Promise.all(offers);
    if (results.includes('failed')) throw new Error('the agent did not accept every reading of this message');
    dedupe.remember(topic, payload, now);
  }
}
