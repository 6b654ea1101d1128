/**
 * Where alert events go (docs/alerts.md): a webhook (HTTPS POST, signed) or the MQTT topic
 * freshtrail/v1/alerts/{severity}/{kind}. A channel sends one event and either returns (the
 * receiver has it) or throws a DeliveryFailure saying whether trying again can help.
 */
import mqtt from 'mqtt';
import { errorMessage } from '../../common/errors.js';
import type { AlertEvent, AlertEventType } from '../store/alert-delivery-types.js';
import type { AlertKind, AlertSeverity } from '../store/integrity-types.js';
import { alertEventMessage } from './alert-view.js';
import { SIGNATURE_HEADER, signWebhook } from './webhook-signature.js';

export class DeliveryFailure extends Error {
  constructor(
    message: string,
    /** True when repeating the same request cannot succeed (the receiver refuses it). */
    readonly permanent: boolean,
    /** The receiver asked to wait this long (429/503 Retry-After). */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export interface DeliveryChannel {
  /** Stable name, the key of the channel's outbox: webhook:<name> or mqtt. */
  readonly name: string;
  /** Whether this channel wants the event (its kind, severity and type filters). */
  accepts(event: AlertEvent): boolean;
  /** Delivers one event; `attempt` counts from 1. Throws DeliveryFailure. */
  send(event: AlertEvent, attempt: number): Promise<void>;
  close(): Promise<void>;
}

export interface EventFilter {
  kinds?: readonly AlertKind[];
  minSeverity?: AlertSeverity;
  events?: readonly AlertEventType[];
}

function acceptsEvent(filter: EventFilter, e: AlertEvent): boolean {
  if (filter.kinds && !filter.kinds.includes(e.alert.kind)) return false;
  if (filter.minSeverity === 'critical' && e.alert.severity !== 'critical') return false;
  return !filter.events || filter.events.includes(e.type);
}

export interface WebhookOptions extends EventFilter {
  name: string;
  url: string;
  /** HMAC-SHA256 key of the FreshTrail-Signature header. */
  secret: string;
  timeoutMs: number;
  userAgent: string;
  now?: () => number;
}

/** Statuses worth repeating: timeouts, "too early", rate limits and server errors (RFC 9110 §15). */
const RETRYABLE_STATUS = (status: number) => status === 408 || status === 425 || status === 429 || status >= 500;

export function webhookChannel(o: WebhookOptions): DeliveryChannel {
  const now = o.now ?? Date.now;
  return {
    name: `webhook:${o.name}`,
    accepts: (e) => acceptsEvent(o, e),
    async send(event, attempt) {
      const body = JSON.stringify(alertEventMessage(event));
      let response: Response;
      try {
        response = await fetch(o.url, {
          method: 'POST',
          body,
          // A redirect would send the signed alert to a URL nobody configured: refused instead.
          redirect: 'manual',
          signal: AbortSignal.timeout(o.timeoutMs),
          headers: {
            'content-type': 'application/json',
            'user-agent': o.userAgent,
            'freshtrail-event-id': String(event.id),
            'freshtrail-event-type': `alert.${event.type}`,
            'freshtrail-delivery-attempt': String(attempt),
            [SIGNATURE_HEADER]: signWebhook(o.secret, body, now()),
          },
        });
      } catch (err) {
        const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
        const timedOut = err instanceof Error && err.name === 'TimeoutError';
        throw new DeliveryFailure(timedOut ? `no response within ${o.timeoutMs} ms` : `${errorMessage(err)}${cause}`, false);
      }
      await response.body?.cancel().catch(() => undefined);
      if (response.status >= 200 && response.status < 300) return;
      if (response.status >= 300 && response.status < 400) {
        throw new DeliveryFailure(`HTTP ${response.status} redirect to ${response.headers.get('location') ?? '?'}: configure the final URL`, true);
      }
      throw new DeliveryFailure(`HTTP ${response.status} ${response.statusText}`.trim(), !RETRYABLE_STATUS(response.status), retryAfterMs(response.headers.get('retry-after'), now()));
    },
    async close() {},
  };
}

/** Retry-After as seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

export interface MqttChannelOptions extends EventFilter {
  /** The broker: the ingest's embedded one or mqtt.url. */
  url: string;
  topicPrefix: string;
  clientId: string;
  timeoutMs: number;
}

/**
 * Publishes each event with QoS 1 to <prefix>/<severity>/<kind>, so a subscriber picks what it
 * wants with wildcards (freshtrail/v1/alerts/critical/#). Delivered = the broker's PUBACK.
 */
export function mqttChannel(o: MqttChannelOptions): DeliveryChannel {
  let client: mqtt.MqttClient | undefined;
  const connected = (): mqtt.MqttClient => {
    client ??= mqtt.connect(o.url, { clientId: o.clientId, clean: true, reconnectPeriod: 1000, connectTimeout: o.timeoutMs, queueQoSZero: false });
    return client;
  };
  return {
    name: 'mqtt',
    accepts: (e) => acceptsEvent(o, e),
    async send(event) {
      const c = connected();
      if (!c.connected) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, o.timeoutMs);
          c.once('connect', () => {
            clearTimeout(timer);
            resolve();
          });
        });
        if (!c.connected) throw new DeliveryFailure(`MQTT broker not reachable within ${o.timeoutMs} ms`, false);
      }
      const topic = `${o.topicPrefix}/${event.alert.severity}/${event.alert.kind}`;
      try {
        // A connection lost mid-publish leaves it waiting for a reconnect: bounded here, tried again later.
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no PUBACK within ${o.timeoutMs} ms`)), o.timeoutMs);
        });
        await Promise.race([c.publishAsync(topic, JSON.stringify(alertEventMessage(event)), { qos: 1 }), timeout]).finally(() => clearTimeout(timer));
      } catch (err) {
        throw new DeliveryFailure(`MQTT publish failed: ${errorMessage(err)}`, false);
      }
    },
    async close() {
      await client?.endAsync().catch(() => undefined);
    },
  };
}
