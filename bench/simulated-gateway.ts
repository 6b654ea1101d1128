/**
 * A simulated gateway for benchmarks and scale-out tests: a real Ed25519 key, a hash-chained
 * stream of signed batches, and the delivery rule of the protocol (docs/protocol.md §7): a batch
 * counts as delivered only when the ingest's Ack arrives, and is re-sent after an ack timeout,
 * over MQTT to a broker or over HTTP to one of several ingest instances.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { settlementOf } from '../edge/forward/settle.js';
import { ackTopic, batchTopic, parseAck, type Ack } from '../protocol/ack.js';
import { encodeEnvelope, GENESIS_PREV, sealBatch } from '../protocol/batch.js';
import type { GatewayKeyPair } from '../protocol/keys.js';
import { sampleBatch } from './protocol.js';
import type { Reading } from '../protocol/reading.js';

export type GatewayTransport = 'mqtt' | 'http';

export interface SimulatedGatewayOptions {
  id: string;
  keys: GatewayKeyPair;
  transport: GatewayTransport;
  /** Broker the gateway publishes to (transport mqtt). */
  mqttUrl?: string;
  /** Ingest API base URLs (transport http); a failed request moves on to the next one. */
  httpUrls?: readonly string[];
  readingsPerBatch: number;
  /** Re-send a batch that got no Ack within this time, ms. Default: never (benchmarks). */
  ackTimeoutMs?: number;
}

export interface SealedForSending {
  seq: number;
  id: string;
  envelope: Buffer;
  createdAt: number;
}

export class SimulatedGateway {
  readonly id: string;
  private seq = 0;
  private prev = GENESIS_PREV;
  private readonly waiting = new Map<number, (ack: Ack) => void>();
  private client?: MqttClient;
  private nextUrl = 0;
  /** Sends beyond the first of a batch, after an ack timeout or a failed request. */
  resends = 0;

  constructor(private readonly options: SimulatedGatewayOptions) {
    this.id = options.id;
  }

  get keys(): GatewayKeyPair {
    return this.options.keys;
  }

  async connect(): Promise<void> {
    if (this.options.transport !== 'mqtt') return;
    this.client = await mqtt.connectAsync(this.options.mqttUrl!, { clientId: `sim-${this.id}`.slice(0, 23), clean: true, reconnectPeriod: 200 });
    this.client.on('message', (_topic, payload) => {
      const ack = parseAck(payload);
      if (ack) this.waiting.get(ack.seq)?.(ack);
    });
    await this.client.subscribeAsync(ackTopic(this.id), { qos: 1 });
  }

  /** The next batch of the chain, signed now (createdAt = now): `readings`, or readingsPerBatch sample ones. */
  seal(readings?: readonly Reading[]): SealedForSending {
    const createdAt = Date.now();
    this.seq++;
    const sample = sampleBatch(readings ? 0 : this.options.readingsPerBatch, this.seq);
    const sealed = sealBatch({ ...sample, readings: readings ? [...readings] : sample.readings, gateway: this.id, seq: this.seq, prev: this.prev, createdAt }, this.options.keys.privateKey);
    this.prev = sealed.id;
    return { seq: this.seq, id: sealed.id, envelope: encodeEnvelope(sealed), createdAt };
  }

  /** Sends one envelope until the ingest acknowledges it; resolves with that Ack. */
  async send(seq: number, envelope: Buffer): Promise<Ack> {
    return this.options.transport === 'http' ? this.post(envelope) : this.publish(seq, envelope);
  }

  private async publish(seq: number, envelope: Buffer): Promise<Ack> {
    try {
      for (let attempt = 0; ; attempt++) {
        if (attempt > 0) this.resends++;
        const acked = new Promise<Ack>((resolve) => this.waiting.set(seq, resolve));
        await this.client!.publishAsync(batchTopic(this.id), envelope, { qos: 1 });
        const timeout = this.options.ackTimeoutMs;
        if (timeout === undefined) return await acked;
        const ack = await Promise.race([acked, new Promise<undefined>((r) => setTimeout(() => r(undefined), timeout).unref())]);
        if (ack && !this.retryable(ack)) return ack;
      }
    } finally {
      this.waiting.delete(seq);
    }
  }

  /** With an ack timeout (a gateway, not a bench), what the edge would send again is sent again. */
  private retryable(ack: Ack): boolean {
    return this.options.ackTimeoutMs !== undefined && settlementOf(ack) === 'retry';
  }

  private async post(envelope: Buffer): Promise<Ack> {
    const urls = this.options.httpUrls!;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) this.resends++;
      const url = urls[this.nextUrl % urls.length]!;
      try {
        const signal = this.options.ackTimeoutMs === undefined ? undefined : AbortSignal.timeout(this.options.ackTimeoutMs);
        const res = await fetch(`${url}/api/v1/batches`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: envelope, signal });
        if (res.status < 500) {
          const ack = (await res.json()) as Ack;
          if (!this.retryable(ack)) return ack;
        } else if (this.options.ackTimeoutMs === undefined) {
          throw new Error(`${this.id}: HTTP ${res.status} from ${url}: ${await res.text()}`); // a bench does not retry
        }
      } catch (err) {
        if (this.options.ackTimeoutMs === undefined) throw err;
      }
      // That instance is down or failing: as a load balancer would, try the next one.
      this.nextUrl++;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async close(): Promise<void> {
    await this.client?.endAsync();
  }
}
