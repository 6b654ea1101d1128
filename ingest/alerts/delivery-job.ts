/**
 * The alert delivery job (singleton job `alert-delivery`): tells people about alert events
 * through the configured channels, at least once and in order per channel.
 *
 * Each round, for each channel:
 *  1. fan-out: the events after the channel's position that it accepts become pending
 *     deliveries, and the position moves past them, in one transaction (store.queueDeliveries);
 *  2. send: the channel's pending deliveries, oldest event first. A delivery that fails is
 *     retried after an exponential backoff with jitter; the channel's later events wait behind
 *     it, so a receiver never hears "resolved" before "opened". A delivery the receiver refuses
 *     for good (HTTP 4xx) or that failed maxAttempts times is dead: listed with its reason
 *     (GET /api/v1/alerts/deliveries?status=dead) and retried only on request.
 * The outcome of an attempt is stored after the receiver answered: a crash in between repeats the
 * delivery, so receivers deduplicate on the event id (docs/alerts.md). A channel seen for the
 * first time starts with the events of the last `backfillMs`, not the whole history.
 */
import { errorMessage } from '../../common/errors.js';
import { InterruptibleSleep } from '../../common/interruptible-sleep.js';
import type { Logger } from '../../common/log.js';
import type { RunningJob } from '../leader/singleton-jobs.js';
import type { AlertDeliveryWithEvent, DeliveryOutcome } from '../store/alert-delivery-types.js';
import type { Store } from '../store/types.js';
import { DeliveryFailure, type DeliveryChannel } from './channels.js';
import type { DeliveryMetrics } from './delivery-metrics.js';

export const ALERT_DELIVERY_JOB = 'alert-delivery';

export interface RetryPolicy {
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
}

/** Delay before attempt `attempt + 1`: initial · 2^(attempt−1), capped, ±20 % jitter so that receivers coming back are not hit in lockstep. */
export function backoffMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

export interface AlertDeliveryOptions {
  store: Store;
  channels: readonly DeliveryChannel[];
  policy: RetryPolicy;
  /** Wait between rounds when nothing woke the job, ms. */
  pollIntervalMs: number;
  /** How far back a channel seen for the first time starts, ms. */
  backfillMs: number;
  metrics: DeliveryMetrics;
  logger: Logger;
  now?: () => number;
}

const FAN_OUT_PAGE = 500;
const SEND_PAGE = 100;

export class AlertDeliveryJob implements RunningJob {
  private stopping = false;
  private loop: Promise<void> | undefined;
  private readonly pause = new InterruptibleSleep();
  private unsubscribe: (() => void) | undefined;
  private readonly now: () => number;
  /**
   * Each channel's fan-out position as this job last stored or read it, so a round does not
   * read it again; forgotten when a step is refused (another instance moved it), then re-read.
   */
  private readonly positions = new Map<string, number>();

  constructor(private readonly options: AlertDeliveryOptions) {
    this.now = options.now ?? Date.now;
  }

  start(): void {
    // An alert event committed by this process starts the next round at once.
    this.unsubscribe = this.options.store.onAlertEvent(() => this.pause.poke());
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.unsubscribe?.();
    this.pause.wake();
    await this.loop;
    await Promise.all(this.options.channels.map((c) => c.close()));
  }

  /** One round over every channel; channels proceed independently, so one slow receiver delays no other. */
  async runOnce(): Promise<void> {
    await Promise.all(
      this.options.channels.map(async (channel) => {
        try {
          await this.fanOut(channel);
          await this.sendDue(channel);
        } catch (err) {
          this.options.logger.warn({ channel: channel.name, err: errorMessage(err) }, 'alert delivery round failed; trying again at the next round');
        }
      }),
    );
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      await this.runOnce();
      if (!this.stopping) await this.pause.sleep(this.options.pollIntervalMs);
    }
  }

  private async fanOut(channel: DeliveryChannel): Promise<void> {
    const { store } = this.options;
    let position = this.positions.get(channel.name) ?? (await store.channelPosition(channel.name));
    if (position === undefined) {
      const start = await store.latestAlertEventId(this.now() - this.options.backfillMs);
      if (!(await store.queueDeliveries(channel.name, undefined, [], start, this.now()))) return;
      this.options.logger.info({ channel: channel.name, afterEvent: start }, 'new alert channel: delivering events from here on');
      position = start;
    }
    this.positions.set(channel.name, position);
    for (;;) {
      const events = await store.alertEventsAfter(position, FAN_OUT_PAGE);
      if (events.length === 0) return;
      const through = events[events.length - 1]!.id;
      const wanted = events.filter((e) => channel.accepts(e)).map((e) => e.id);
      if (!(await store.queueDeliveries(channel.name, position, wanted, through, this.now()))) {
        // Refused: another instance moved the channel meanwhile (a former leader); the next round re-reads it.
        this.positions.delete(channel.name);
        return;
      }
      position = through;
      this.positions.set(channel.name, position);
      if (events.length < FAN_OUT_PAGE) return;
    }
  }

  private async sendDue(channel: DeliveryChannel): Promise<void> {
    for (;;) {
      const pending = await this.options.store.pendingDeliveries(channel.name, SEND_PAGE);
      for (const delivery of pending) {
        if (this.stopping || delivery.nextAttemptAt > this.now()) return;
        if (!(await this.attempt(channel, delivery))) return;
      }
      if (pending.length < SEND_PAGE) return;
    }
  }

  /** One attempt; true when the channel may go on with its next event (delivered, or dead). */
  private async attempt(channel: DeliveryChannel, d: AlertDeliveryWithEvent): Promise<boolean> {
    const { store, policy, metrics, logger } = this.options;
    const attempt = d.attempts + 1;
    let outcome: DeliveryOutcome;
    try {
      await channel.send(d.event, attempt);
      outcome = { status: 'delivered', at: this.now() };
    } catch (err) {
      const failure = err instanceof DeliveryFailure ? err : new DeliveryFailure(errorMessage(err), false);
      const at = this.now();
      if (failure.permanent || attempt >= policy.maxAttempts) {
        const error = failure.permanent ? `${failure.message} (refused: not retried)` : `${failure.message} (after ${attempt} attempts)`;
        outcome = { status: 'dead', at, error };
      } else {
        const wait = Math.max(backoffMs(policy, attempt), failure.retryAfterMs ?? 0);
        outcome = { status: 'pending', at, nextAttemptAt: at + wait, error: failure.message };
      }
    }
    await store.recordDeliveryAttempt(d.id, outcome);
    const alert = d.event.alert;
    const context = { channel: channel.name, event: d.eventId, type: d.event.type, alert: alert.id, kind: alert.kind, attempt };
    if (outcome.status === 'delivered') {
      metrics.delivered(channel.name, (outcome.at - d.event.createdAt) / 1000);
      logger.debug(context, 'alert event delivered');
      return true;
    }
    if (outcome.status === 'dead') {
      metrics.dead(channel.name);
      logger.error({ ...context, error: outcome.error }, 'alert event not delivered: moved to the dead-letter list (POST /api/v1/alerts/deliveries/{id}/retry sends it again)');
      return true;
    }
    metrics.retried(channel.name);
    logger.warn({ ...context, error: outcome.error, retryAt: new Date(outcome.nextAttemptAt).toISOString() }, 'alert event delivery failed; will retry');
    return false;
  }
}
