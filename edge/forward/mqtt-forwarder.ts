/**
 * Forwarding over MQTT (DESIGN.md "Transport and acknowledgement"): batches are published QoS 1
 * to `freshtrail/v1/gateways/{id}/batches` in seq order with a bounded window of batches in
 * flight; the ingest's acknowledgement on `.../acks` (sent after its commit) releases them.
 * A broker PUBACK is not an acknowledgement. Unacknowledged batches are re-sent after a timeout
 * and after every reconnect; the ingest is idempotent, so re-sending is always safe.
 *
 * The session is persistent (clean: false, fixed client id) so acks published while the
 * gateway was away still arrive. Reconnects wait an exponential backoff with jitter
 * (backoff.ts) instead of mqtt.js's fixed reconnectPeriod, so a fleet does not reconnect in
 * lockstep after a broker restart.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/log.js';
import { ackTopic, batchTopic, parseAck, type Ack } from '../../protocol/ack.js';
import { encodeEnvelope, type SealedBatch } from '../../protocol/batch.js';
import type { EdgeMetrics } from '../metrics.js';
import { Backoff, DEFAULT_BACKOFF, type BackoffSettings, type RandomSource } from './backoff.js';
import { retryDelayMs, settleAck } from './settle.js';
import { describeConnectionError, isTlsError, loadTls, type TlsFiles } from './tls.js';
import type { BatchQueue, Forwarder } from './types.js';

export interface MqttForwarderOptions {
  gatewayId: string;
  /** mqtt://, mqtts:// (TLS), ws:// or wss://. */
  url: string;
  username?: string;
  password?: string;
  clientId?: string;
  /** For mqtts:// and wss://: CA, client certificate (mutual TLS), verification. */
  tls?: TlsFiles;
  /** Re-send a batch when no acknowledgement came within this time. */
  ackTimeoutMs: number;
  /** Batches sent and not yet acknowledged, at most. */
  maxInFlight: number;
  /** Delays between reconnects, and after retryable rejections unless retryDelayMs is set. Default DEFAULT_BACKOFF. */
  backoff?: BackoffSettings;
  /**
   * Legacy (before `backoff`): the delay before re-sending a batch the ingest asked to retry.
   * Now the base of that backoff only; reconnects keep `backoff`.
   */
  retryDelayMs?: number;
  random?: RandomSource;
  /** Configuration key named in error messages. Default forward.mqtt. */
  configKey?: string;
  deadLetterDir: string;
  outbox: BatchQueue;
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
  /** The ingest's Retry-After (a per-gateway rate limit) pauses every send, not one seq. */
  private pausedUntil = 0;
  private readonly reconnectBackoff: Backoff;
  private readonly retryBackoff: Backoff;
  private readonly key: string;
  private timer?: NodeJS.Timeout;
  private reconnectTimer?: NodeJS.Timeout;
  private stopped = false;
  private wasConnected = false;
  private ackChain: Promise<void> = Promise.resolve();
  private ackedAt?: number;
  private problem?: string;

  constructor(private readonly options: MqttForwarderOptions) {
    const reconnect = options.backoff ?? DEFAULT_BACKOFF;
    const legacy = options.retryDelayMs === undefined ? undefined : Math.max(1, options.retryDelayMs);
    const retry = legacy === undefined ? reconnect : { ...reconnect, initialMs: legacy, maxMs: Math.max(reconnect.maxMs, legacy) };
    this.reconnectBackoff = new Backoff(reconnect, options.random);
    this.retryBackoff = new Backoff(retry, options.random);
    this.key = options.configKey ?? 'forward.mqtt';
  }

  async start(): Promise<void> {
    const { url, gatewayId, username, password } = this.options;
    const tls = await loadTls(this.options.tls, `${this.key}.tls`);
    const connectOptions: IClientOptions = {
      clientId: this.options.clientId ?? `freshtrail-edge-${gatewayId}`,
      clean: false, // persistent session: acks published while we were away are still delivered
      username,
      password,
      reconnectPeriod: 0, // reconnects are ours, with backoff (scheduleReconnect)
      connectTimeout: 10_000,
      ...tls,
    };
    this.client = mqtt.connect(url, connectOptions);
    this.client.on('connect', () => this.onConnect());
    this.client.on('message', (_topic, payload) => this.onAck(payload));
    this.client.on('error', (err) => {
      this.options.metrics.forwardErrors.inc({ reason: isTlsError(err) ? 'tls' : 'mqtt' });
      const problem = describeConnectionError(err, this.key);
      if (problem !== this.problem) this.options.logger.warn({ err: err.message, url }, `forwarder: MQTT error: ${problem}`);
      this.problem = problem;
    });
    this.client.on('close', () => {
      // Our own stop() closes the connection too: that is no outage to warn about.
      if (this.wasConnected && !this.stopped) this.options.logger.warn({ url }, 'forwarder offline; batches stay in the outbox');
      this.wasConnected = false;
      this.scheduleReconnect();
    });
    this.timer = setInterval(() => this.pump(), Math.max(200, Math.floor(this.options.ackTimeoutMs / 4)));
    this.timer.unref();
  }

  connected(): boolean {
    return this.client?.connected ?? false;
  }

  transport(): string {
    return 'mqtt';
  }

  lastAckAt(): number | undefined {
    return this.ackedAt;
  }

  lastError(): string | undefined {
    return this.problem;
  }

  notify(): void {
    this.pump();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    // Forced: a publish waiting for a PUBACK from a broker that is gone must not hold up shutdown.
    await this.client?.endAsync(true);
    // Acks that arrived before the socket closed finish their outbox writes; later ones are
    // ignored (onAck), so nothing touches the outbox once stop() resolves.
    await this.ackChain;
  }

  private onConnect(): void {
    const { url, gatewayId } = this.options;
    this.options.logger.info({ url }, 'forwarder connected to the ingest broker');
    this.wasConnected = true;
    this.problem = undefined;
    this.reconnectBackoff.reset();
    this.client!.subscribe(ackTopic(gatewayId), { qos: 1 }, (err) => {
      if (err) this.options.logger.warn({ err: err.message }, 'cannot subscribe to the ack topic');
    });
    this.inFlight.clear(); // whatever was in flight may be lost: send it again
    this.pump();
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer) return;
    const delay = this.reconnectBackoff.next();
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.stopped && !this.client?.connected) this.client?.reconnect();
    }, delay);
    this.reconnectTimer.unref();
  }

  /** Sends pending batches in seq order while the window has room; re-sends timed-out ones. */
  private pump(): void {
    const client = this.client;
    if (this.stopped || !client?.connected) return;
    const now = this.options.now();
    if (now < this.pausedUntil) return; // the pump timer tries again
    for (const sealed of this.options.outbox.pending()) {
      const seq = sealed.batch.seq;
      const sentAt = this.inFlight.get(seq);
      if (sentAt !== undefined && now - sentAt < this.options.ackTimeoutMs) continue;
      if ((this.holdUntil.get(seq) ?? 0) > now) continue;
      if (sentAt === undefined && this.inFlight.size >= this.options.maxInFlight) break;
      if (sentAt !== undefined) {
        this.options.metrics.forwardErrors.inc({ reason: 'ack_timeout' });
        this.problem = `no acknowledgement for batch ${seq} within ${this.options.ackTimeoutMs} ms: the broker takes batches but the ingest does not answer`;
      }
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
    if (this.stopped) return; // the batch stays pending; its resend will be answered `duplicate`
    const ack = parseAck(payload);
    if (!ack || ack.gateway !== this.options.gatewayId) {
      this.options.metrics.forwardErrors.inc({ reason: 'bad_ack' });
      return;
    }
    // Acks are applied one at a time so outbox writes keep their order.
    this.ackChain = this.ackChain.then(() => this.applyAck(ack)).catch((err: unknown) => {
      this.options.logger.error({ err: errorMessage(err), seq: ack.seq }, 'forwarder: cannot record an acknowledgement');
    });
  }

  private async applyAck(ack: Ack): Promise<void> {
    const sealed = this.options.outbox.pending().find((b) => b.batch.seq === ack.seq);
    if (!sealed || (ack.id !== undefined && ack.id !== sealed.id)) return; // stale or for another incarnation
    this.inFlight.delete(ack.seq);
    const settlement = await settleAck(ack, sealed, this.options);
    if (settlement === 'retry') {
      const until = this.options.now() + retryDelayMs(ack, this.retryBackoff.next());
      this.holdUntil.set(ack.seq, until);
      if (ack.retryAfterS !== undefined) this.pausedUntil = Math.max(this.pausedUntil, until);
      this.problem = `${ack.code ?? 'rejected'}: ${ack.reason ?? 'the ingest asked to retry later'}`;
    } else {
      this.holdUntil.delete(ack.seq);
      this.retryBackoff.reset();
      this.ackedAt = this.options.now();
      this.problem = undefined;
    }
    this.pump();
  }
}
