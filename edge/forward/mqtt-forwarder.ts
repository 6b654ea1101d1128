/**
 * Forwarding over MQTT (DESIGN.md "Transport and acknowledgement"): batches are published QoS 1
 * to `freshtrail/v1/gateways/{id}/batches` in seq order with a bounded window of batches in
 * flight; the ingest's acknowledgement on `.../acks` (sent after its commit) releases them.
 * A broker PUBACK is not an acknowledgement. Unacknowledged batches are re-sent after a timeout
 * and after every reconnect; the ingest is idempotent, so re-sending is always safe.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { ERRORS } from '../../common/errors.js';
import type { Logger } from '../../common/log.js';
import { ackReleasesBatch, ackTopic, batchTopic, parseAck, type Ack } from '../../protocol/ack.js';
import { encodeEnvelope, type SealedBatch } from '../../protocol/batch.js';
import type { EdgeMetrics } from '../metrics.js';
import type { Outbox } from '../outbox/outbox.js';
import { writeDeadLetter } from './dead-letter.js';
import type { Forwarder } from './types.js';

export interface MqttForwarderOptions {
  gatewayId: string;
  url: string;
  username?: string;
  password?: string;
  clientId?: string;
  /** Re-send a batch when no acknowledgement came within this time. */
  ackTimeoutMs: number;
  /** Batches sent and not yet acknowledged, at most. */
  maxInFlight: number;
  /** Delay before re-sending after a retryable rejection (e.g. the ingest's store is down). */
  retryDelayMs: number;
  deadLetterDir: string;
  outbox: Outbox;
  logger: Logger;
  metrics: EdgeMetrics;
  now(): number;
}

export class MqttForwarder implements Forwarder {
  private client?: MqttClient;
  /** seq → when it was last sent (ms). */
  private readonly inFlight = new Map<number, number>();
  /** seq → earliest time it may be sent again after a retryable rejection. */
  private readonly holdUntil = new Map<number, number>();
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private ackChain: Promise<void> = Promise.resolve();

  constructor(private readonly options: MqttForwarderOptions) {}

  async start(): Promise<void> {
    const { url, gatewayId, username, password } = this.options;
    this.client = mqtt.connect(url, {
      clientId: this.options.clientId ?? `freshtrail-edge-${gatewayId}`,
      clean: false, // persistent session: acks published while we were away are still delivered
      username,
      password,
      reconnectPeriod: 2000,
      connectTimeout: 10_000,
    });
    this.client.on('connect', () => {
      this.options.logger.info({ url }, 'forwarder connected to the ingest broker');
      this.client!.subscribe(ackTopic(gatewayId), { qos: 1 }, (err) => {
        if (err) this.options.logger.warn({ err: err.message }, 'cannot subscribe to the ack topic');
      });
      this.inFlight.clear(); // whatever was in flight may be lost: send it again
      this.pump();
    });
    this.client.on('message', (_topic, payload) => this.onAck(payload));
    this.client.on('error', (err) => {
      this.options.metrics.forwardErrors.inc({ reason: 'mqtt' });
      this.options.logger.warn({ err: err.message, url }, 'forwarder: MQTT error');
    });
    this.client.on('offline', () => this.options.logger.warn({ url }, 'forwarder offline; batches stay in the outbox'));
    this.timer = setInterval(() => this.pump(), Math.max(200, Math.floor(this.options.ackTimeoutMs / 4)));
    this.timer.unref();
  }

  connected(): boolean {
    return this.client?.connected ?? false;
  }

  notify(): void {
    this.pump();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.ackChain;
    await this.client?.endAsync();
  }

  /** Sends pending batches in seq order while the window has room; re-sends timed-out ones. */
  private pump(): void {
    const client = this.client;
    if (this.stopped || !client?.connected) return;
    const now = this.options.now();
    for (const sealed of this.options.outbox.pending()) {
      const seq = sealed.batch.seq;
      const sentAt = this.inFlight.get(seq);
      if (sentAt !== undefined && now - sentAt < this.options.ackTimeoutMs) continue;
      if ((this.holdUntil.get(seq) ?? 0) > now) continue;
      if (sentAt === undefined && this.inFlight.size >= this.options.maxInFlight) break;
      if (sentAt !== undefined) this.options.metrics.forwardErrors.inc({ reason: 'ack_timeout' });
      this.inFlight.set(seq, now);
      this.send(client, sealed);
    }
  }

  private send(client: MqttClient, sealed: SealedBatch): void {
    client.publish(batchTopic(this.options.gatewayId), encodeEnvelope(sealed), { qos: 1 }, (err) => {
      if (err) {
        this.options.metrics.forwardErrors.inc({ reason: 'publish' });
        this.inFlight.delete(sealed.batch.seq);
      }
    });
  }

  private onAck(payload: Buffer): void {
    const ack = parseAck(payload);
    if (!ack || ack.gateway !== this.options.gatewayId) {
      this.options.metrics.forwardErrors.inc({ reason: 'bad_ack' });
      return;
    }
    // Acks are applied one at a time so outbox writes keep their order.
    this.ackChain = this.ackChain.then(() => this.applyAck(ack)).catch((err: unknown) => {
      this.options.logger.error({ err: (err as Error).message, seq: ack.seq }, 'forwarder: cannot record an acknowledgement');
    });
  }

  private async applyAck(ack: Ack): Promise<void> {
    const sealed = this.options.outbox.pending().find((b) => b.batch.seq === ack.seq);
    if (!sealed || (ack.id !== undefined && ack.id !== sealed.id)) return; // stale or for another incarnation
    this.inFlight.delete(ack.seq);
    this.options.metrics.batchesAcked.inc({ status: ack.status });
    if (ackReleasesBatch(ack.status)) {
      await this.options.outbox.ack(ack.seq, ack.status);
    } else if (ack.code && ERRORS[ack.code]?.class === 'retryable') {
      this.holdUntil.set(ack.seq, this.options.now() + this.options.retryDelayMs);
      this.options.logger.warn({ seq: ack.seq, code: ack.code, reason: ack.reason }, 'ingest asked to retry later');
    } else {
      const path = await writeDeadLetter(this.options.deadLetterDir, sealed, ack, this.options.now());
      await this.options.outbox.ack(ack.seq, 'dead-letter');
      this.options.logger.error({ seq: ack.seq, code: ack.code, reason: ack.reason, path }, 'ingest rejected a batch; moved to the dead-letter folder');
    }
    this.pump();
  }
}
