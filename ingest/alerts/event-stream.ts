/**
 * The live alert feed of one ingest process (GET /api/v1/alerts/stream, server-sent events):
 * every client gets every alert event after the one it names (Last-Event-ID), in id order, so
 * a dashboard that reconnects misses nothing and sees nothing twice. One store query per tick
 * serves all clients; a tick comes at once when this process writes an alert event and every
 * `pollIntervalMs` otherwise (events written by other instances).
 */
import { errorMessage } from '../../common/errors.js';
import { InterruptibleSleep } from '../../common/interruptible-sleep.js';
import type { Logger } from '../../common/log.js';
import type { AlertEvent } from '../store/alert-delivery-types.js';
import type { Store } from '../store/types.js';

export interface StreamClient {
  /** Id of the last event this client has; it receives the ones after it. */
  after: number;
  send(events: readonly AlertEvent[]): void;
}

const PAGE = 500;

export class AlertEventStream {
  private readonly clients = new Set<StreamClient>();
  private readonly pause = new InterruptibleSleep();
  private loop: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;
  private stopping = false;

  constructor(
    private readonly store: Store,
    private readonly pollIntervalMs: number,
    private readonly logger: Logger,
  ) {}

  /** Where a client that names no event starts: after the newest. */
  latestId(): Promise<number> {
    return this.store.latestAlertEventId();
  }

  /** Adds a client; the feed runs while there is one. Returns the function that removes it. */
  add(client: StreamClient): () => void {
    this.clients.add(client);
    if (!this.loop && !this.stopping) {
      this.unsubscribe = this.store.onAlertEvent(() => this.pause.poke());
      this.loop = this.run(); // its first tick serves the new client
    } else {
      this.pause.poke(); // the next tick at once, for the new client's backlog
    }
    return () => {
      this.clients.delete(client);
    };
  }

  get size(): number {
    return this.clients.size;
  }

  async close(): Promise<void> {
    this.stopping = true;
    this.unsubscribe?.();
    this.pause.wake();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopping && this.clients.size > 0) {
      let full = false;
      try {
        full = await this.tick();
      } catch (err) {
        this.logger.warn({ err: errorMessage(err) }, 'alert stream: reading alert events failed; trying again');
      }
      if (!full) await this.pause.sleep(this.pollIntervalMs);
    }
    this.unsubscribe?.();
    this.loop = undefined;
  }

  /** Sends the next page to every client; true when a page was full (more may be waiting). */
  private async tick(): Promise<boolean> {
    if (this.clients.size === 0) return false;
    const from = Math.min(...[...this.clients].map((c) => c.after));
    const events = await this.store.alertEventsAfter(from, PAGE);
    for (const client of this.clients) {
      const mine = events.filter((e) => e.id > client.after);
      if (mine.length === 0) continue;
      client.after = mine[mine.length - 1]!.id;
      client.send(mine);
    }
    return events.length === PAGE;
  }
}
