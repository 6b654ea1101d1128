/**
 * Forwarding over HTTP (docs/protocol.md §7.4): each batch is POSTed as its envelope to
 * `<url>/api/v1/batches`, which answers after the ingest's commit, so the answer is the
 * acknowledgement. Batches go out in seq order with at most `maxInFlight` requests outstanding
 * (backpressure: the outbox holds the rest). After a failure (network, TLS, timeout, 5xx, 429,
 * a retryable rejection) sending pauses for a backoff delay; while the ingest is not known to
 * be reachable only one request is outstanding, so a replay after an outage starts with the
 * oldest batch and widens to the window once the ingest answers.
 *
 * With several requests in flight the ingest may commit seq n+1 before seq n; the protocol
 * allows that (§6.3 rule 8: accepted with a gap flag, checked when n arrives).
 */
import { errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/log.js';
import { encodeEnvelope, type SealedBatch } from '../../protocol/batch.js';
import type { EdgeMetrics } from '../metrics.js';
import { Backoff, DEFAULT_BACKOFF, type BackoffSettings, type RandomSource } from './backoff.js';
import { HttpClient, type HttpExchange, type PendingRequest } from './http-client.js';
import { readHttpAnswer } from './http-answer.js';
import { retryDelayMs, settleAck } from './settle.js';
import type { Ack } from '../../protocol/ack.js';
import { describeConnectionError, isTlsError, loadTls, type TlsFiles } from './tls.js';
import type { BatchQueue, Forwarder, SettlingForwarder } from './types.js';

export interface HttpForwarderOptions {
  gatewayId: string;
  /** Base URL of the ingest, e.g. https://ingest.example:8443; batches go to <url>/api/v1/batches. */
  url: string;
  /** Extra request headers, e.g. { authorization: 'Bearer …' } or an API key header. Never logged. */
  headers?: Record<string, string>;
  tls?: TlsFiles;
  /** A request not answered within this time is abandoned and the batch retried. */
  ackTimeoutMs: number;
  /** Requests outstanding at most. */
  maxInFlight: number;
  /** Delays after failures. Default DEFAULT_BACKOFF. */
  backoff?: BackoffSettings;
  random?: RandomSource;
  /** Configuration key named in error messages. Default forward.http. */
  configKey?: string;
  deadLetterDir: string;
  outbox: BatchQueue;
  logger: Logger;
  metrics: EdgeMetrics;
  now(): number;
}

const BATCHES_PATH = 'api/v1/batches';
/** Liveness route of the ingest, asked while there is nothing to send but reachability is unknown. */
const HEALTH_PATH = 'api/v1/health';

export class HttpForwarder implements Forwarder, SettlingForwarder {
  private client?: HttpClient;
  /** seq → its request; an entry stays until the answer has been applied to the outbox. */
  private readonly inFlight = new Map<number, PendingRequest>();
  /** Batch requests with their answer handling, for settled() and stop(). */
  private readonly exchanges = new Set<Promise<void>>();
  private readonly backoff: Backoff;
  private readonly key: string;
  private pausedUntil = 0;
  private wakeTimer?: NodeJS.Timeout;
  private reachable = false;
  private probe?: { request: PendingRequest; done: Promise<void> };
  private stopped = false;
  /** Outbox writes one at a time, in the order answers arrive. */
  private settling: Promise<unknown> = Promise.resolve();
  private ackedAt?: number;
  private problem?: string;

  constructor(private readonly options: HttpForwarderOptions) {
    this.backoff = new Backoff(options.backoff ?? DEFAULT_BACKOFF, options.random);
    this.key = options.configKey ?? 'forward.http';
  }

  async start(): Promise<void> {
    const tls = await loadTls(this.options.tls, `${this.key}.tls`);
    // One socket more than the window, for the health probe.
    this.client = new HttpClient({ baseUrl: this.options.url, headers: this.options.headers, tls, maxSockets: this.options.maxInFlight + 1 });
    this.pump();
  }

  notify(): void {
    this.pump();
  }

  connected(): boolean {
    return this.reachable;
  }

  transport(): string {
    return 'http';
  }

  lastAckAt(): number | undefined {
    return this.ackedAt;
  }

  lastError(): string | undefined {
    return this.problem;
  }

  async settled(): Promise<void> {
    while (this.exchanges.size > 0) await Promise.all([...this.exchanges]);
    await this.settling;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    // Abandoned requests may still be committed by the ingest: the batch is sent again next
    // time and answered as a duplicate.
    for (const request of this.inFlight.values()) request.abort();
    this.probe?.request.abort();
    await Promise.all([this.settled(), this.probe?.done]);
    this.client?.close();
  }

  /** Sends pending batches in seq order while the window has room. */
  private pump(): void {
    if (this.stopped || !this.client) return;
    const now = this.options.now();
    if (now < this.pausedUntil) {
      this.wakeAt(this.pausedUntil - now);
      return;
    }
    const batches = this.options.outbox.pending();
    if (batches.length === 0) {
      if (!this.reachable && !this.probe && this.inFlight.size === 0) this.checkHealth();
      return;
    }
    const window = this.reachable ? this.options.maxInFlight : 1;
    for (const sealed of batches) {
      if (this.inFlight.size >= window) break;
      if (!this.inFlight.has(sealed.batch.seq)) this.post(sealed);
    }
  }

  private post(sealed: SealedBatch): void {
    const seq = sealed.batch.seq;
    const request = this.client!.request('POST', BATCHES_PATH, encodeEnvelope(sealed), this.options.ackTimeoutMs);
    this.inFlight.set(seq, request);
    const exchange = request.done
      .then(
        (answer) => this.onAnswer(sealed, answer),
        (err: unknown) => this.onFailure(err, seq),
      )
      .catch((err: unknown) => {
        // The batch stays pending and is sent again after the pause; the ingest will answer
        // `duplicate`, which needs the same outbox write, so the pause keeps this from spinning.
        this.options.logger.error({ err: errorMessage(err), seq }, 'forwarder: cannot record an acknowledgement');
        this.retryLater(`cannot record an acknowledgement in the outbox: ${errorMessage(err)}`, seq);
      })
      .finally(() => {
        this.inFlight.delete(seq);
        this.exchanges.delete(exchange);
        this.pump();
      });
    this.exchanges.add(exchange);
  }

  private async onAnswer(sealed: SealedBatch, answer: HttpExchange): Promise<void> {
    if (this.stopped) return;
    this.reachable = true;
    const read = readHttpAnswer(answer.status, answer.body, sealed, this.key);
    if (read.kind === 'retry') {
      this.options.metrics.forwardErrors.inc({ reason: answer.status >= 500 ? 'http_5xx' : 'http_status' });
      this.retryLater(read.reason, sealed.batch.seq);
      return;
    }
    const settle = this.settling.then(() => settleAck(read.ack, sealed, this.options));
    this.settling = settle.catch(() => undefined);
    const settlement = await settle;
    if (settlement === 'retry') {
      this.retryLater(`${read.ack.code ?? 'rejected'}: ${read.ack.reason ?? 'the ingest asked to retry later'}`, sealed.batch.seq, read.ack);
      return;
    }
    this.ackedAt = this.options.now();
    this.problem = undefined;
    this.backoff.reset();
  }

  private onFailure(err: unknown, seq?: number): void {
    if (this.stopped) return;
    this.reachable = false;
    this.options.metrics.forwardErrors.inc({ reason: isTlsError(err) ? 'tls' : 'http' });
    this.retryLater(describeConnectionError(err, this.key), seq);
  }

  /** Pauses all sending; concurrent failures of one outage count as one backoff step. */
  private retryLater(reason: string, seq?: number, ack?: Ack): void {
    const now = this.options.now();
    if (now >= this.pausedUntil) this.pausedUntil = now + (ack ? retryDelayMs(ack, this.backoff.next()) : this.backoff.next());
    // A Retry-After outlasts a shorter pause another failure started.
    else if (ack?.retryAfterS !== undefined) this.pausedUntil = Math.max(this.pausedUntil, now + retryDelayMs(ack, 0));
    if (reason !== this.problem) this.options.logger.warn({ seq, reason, retryInMs: this.pausedUntil - now }, 'forwarder: HTTP delivery failed; batches stay in the outbox');
    this.problem = reason;
  }

  /** Nothing to send and the ingest not known reachable: ask its liveness route (for connected()). */
  private checkHealth(): void {
    const request = this.client!.request('GET', HEALTH_PATH, undefined, this.options.ackTimeoutMs);
    const done = request.done
      .then(
        () => {
          if (this.stopped) return;
          // Any HTTP answer means network and TLS work; whether batches commit, posting tells.
          this.reachable = true;
          this.problem = undefined;
          this.backoff.reset();
        },
        (err: unknown) => this.onFailure(err),
      )
      .finally(() => {
        this.probe = undefined;
        this.pump();
      });
    this.probe = { request, done };
  }

  private wakeAt(delayMs: number): void {
    if (this.wakeTimer) return;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      this.pump();
    }, Math.max(1, delayMs));
    this.wakeTimer.unref();
  }
}
