/**
 * A forwarder made of two (e.g. MQTT primary, HTTP secondary): batches go out on one at a
 * time. When the primary has been unable to deliver for `failoverAfterMs` (disconnected, or
 * batches waiting with no acknowledgement), sending moves to the secondary; once the primary
 * has been connected again for `returnAfterMs`, sending moves back.
 *
 * Only the active transport sees the outbox: the other gets an empty pending() (a gated view),
 * so the two never interleave new sends. A switch first waits (bounded) for the outgoing
 * transport's requests to end when they end by themselves (HTTP, `SettlingForwarder`); MQTT
 * publishes waiting for an ack may still be answered, which only makes the new transport's
 * copy a duplicate — harmless, the ingest is idempotent per (gateway, seq, id).
 *
 * A primary that connects but does not deliver (broker up, ingest not subscribed) would make
 * the forwarder flap; each failover without a delivery in between doubles the wait before the
 * next return (up to 32 × returnAfterMs).
 */
import type { Logger } from '../../common/log.js';
import type { EdgeMetrics } from '../metrics.js';
import { isSettling, type BatchQueue, type Forwarder } from './types.js';

export interface FailoverForwarderOptions {
  /** Builds each transport on the queue it must use (the gated view of `outbox`). */
  primary(queue: BatchQueue): Forwarder;
  secondary(queue: BatchQueue): Forwarder;
  outbox: BatchQueue;
  failoverAfterMs: number;
  /** How long the primary must stay connected before sending returns to it. Default failoverAfterMs. */
  returnAfterMs?: number;
  /** Longest wait for the outgoing transport's requests at a switch. Default 5000. */
  settleTimeoutMs?: number;
  logger: Logger;
  metrics?: EdgeMetrics;
  now(): number;
}

const MAX_RETURN_DOUBLINGS = 5;

export class FailoverForwarder implements Forwarder {
  private readonly primary: Forwarder;
  private readonly secondary: Forwarder;
  private current: Forwarder;
  /** False while a switch waits for the outgoing transport: then neither sends. */
  private sending = true;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private primaryDownSince?: number;
  private primaryUpSince?: number;
  /** Since when batches have waited for the active primary without an acknowledgement. */
  private waitingSince?: number;
  /** Failovers in a row without the primary delivering in between. */
  private flaps = 0;
  private returned = false;
  private primaryAckAtReturn?: number;

  constructor(private readonly options: FailoverForwarderOptions) {
    this.primary = options.primary(this.gate(() => this.primary));
    this.secondary = options.secondary(this.gate(() => this.secondary));
    this.current = this.primary;
  }

  async start(): Promise<void> {
    await Promise.all([this.primary.start(), this.secondary.start()]);
    this.showActive();
    const every = Math.max(25, Math.min(1000, Math.floor(this.options.failoverAfterMs / 4)));
    this.timer = setInterval(() => this.evaluate(), every);
    this.timer.unref();
  }

  notify(): void {
    this.current.notify();
  }

  connected(): boolean {
    return this.current.connected();
  }

  transport(): string {
    return this.current.transport();
  }

  lastAckAt(): number | undefined {
    const times = [this.primary.lastAckAt(), this.secondary.lastAckAt()].filter((t): t is number => t !== undefined);
    return times.length > 0 ? Math.max(...times) : undefined;
  }

  lastError(): string | undefined {
    const own = this.current.lastError();
    if (own !== undefined || this.current === this.primary) return own;
    const primaryError = this.primary.lastError();
    return primaryError === undefined ? undefined : `${this.primary.transport()} (primary, standby): ${primaryError}`;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.all([this.primary.stop(), this.secondary.stop()]);
  }

  /** The outbox as `owner()` sees it: its pending batches only while it is the one sending. */
  private gate(owner: () => Forwarder): BatchQueue {
    return {
      pending: () => (this.sending && this.current === owner() ? this.options.outbox.pending() : []),
      ack: (seq, status) => this.options.outbox.ack(seq, status),
    };
  }

  private evaluate(): void {
    if (this.stopped || !this.sending) return;
    const now = this.options.now();
    if (this.primary.connected()) {
      this.primaryDownSince = undefined;
      this.primaryUpSince ??= now;
    } else {
      this.primaryUpSince = undefined;
      this.primaryDownSince ??= now;
    }
    if (this.current === this.primary) {
      const down = this.primaryDownSince !== undefined && now - this.primaryDownSince >= this.options.failoverAfterMs;
      const stalled = this.stalledFor(now) >= this.options.failoverAfterMs;
      if (down || stalled) void this.switchTo(this.secondary, down ? 'the primary is disconnected' : 'the primary does not deliver');
    } else if (this.primaryUpSince !== undefined && now - this.primaryUpSince >= this.returnDelay()) {
      void this.switchTo(this.primary, 'the primary is connected again');
    }
  }

  /** How long batches have waited on the primary without any acknowledgement. */
  private stalledFor(now: number): number {
    if (this.options.outbox.pending().length === 0) {
      this.waitingSince = undefined;
      return 0;
    }
    const lastAck = this.primary.lastAckAt();
    if (this.waitingSince === undefined) this.waitingSince = now;
    else if (lastAck !== undefined && lastAck > this.waitingSince) this.waitingSince = lastAck;
    return now - this.waitingSince;
  }

  private returnDelay(): number {
    const base = this.options.returnAfterMs ?? this.options.failoverAfterMs;
    return base * 2 ** Math.min(this.flaps, MAX_RETURN_DOUBLINGS);
  }

  private async switchTo(target: Forwarder, why: string): Promise<void> {
    const from = this.current;
    this.sending = false;
    if (target === this.primary) {
      this.returned = true;
      this.primaryAckAtReturn = this.primary.lastAckAt();
    } else if (this.returned) {
      // Flapping: back on the primary, it failed again without delivering anything.
      this.flaps = this.primary.lastAckAt() !== this.primaryAckAtReturn ? 0 : this.flaps + 1;
    }
    if (isSettling(from)) {
      let timeout: NodeJS.Timeout | undefined;
      const limit = new Promise<void>((resolve) => {
        timeout = setTimeout(resolve, this.options.settleTimeoutMs ?? 5000);
      });
      await Promise.race([from.settled(), limit]);
      clearTimeout(timeout);
    }
    this.current = target;
    this.waitingSince = undefined;
    this.sending = true;
    if (this.stopped) return;
    this.options.logger.warn({ from: from.transport(), to: target.transport(), why, reason: from.lastError() }, `forwarder: batches now go over ${target.transport()}`);
    this.showActive();
    target.notify();
  }

  private showActive(): void {
    this.options.metrics?.forwardTransport.set({ transport: this.primary.transport() }, this.current === this.primary ? 1 : 0);
    this.options.metrics?.forwardTransport.set({ transport: this.secondary.transport() }, this.current === this.secondary ? 1 : 0);
  }
}
