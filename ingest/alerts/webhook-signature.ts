/**
 * The signature of a webhook request (docs/alerts.md §3): header
 *   FreshTrail-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
 * The timestamp is inside the MAC so a captured request cannot be replayed later than the
 * receiver's tolerance; the body is the exact bytes sent. The same scheme as Stripe's and
 * Slack's webhooks, which receivers' frameworks already know how to check.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'freshtrail-signature';
/** A receiver should refuse a request signed longer ago than this (default of verifyWebhookSignature). */
export const DEFAULT_TOLERANCE_S = 300;

function mac(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/** The header value for `body` sent at `nowMs`. */
export function signWebhook(secret: string, body: string, nowMs: number): string {
  const t = Math.floor(nowMs / 1000);
  return `t=${t},v1=${mac(secret, t, body)}`;
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

/**
 * What a receiver does with a request: checks the header against the body it received and the
 * shared secret, and that the timestamp is within `toleranceS` of its clock. Constant-time compare.
 */
export function verifyWebhookSignature(secret: string, header: string | undefined, body: string, nowMs: number, toleranceS = DEFAULT_TOLERANCE_S): SignatureCheck {
  if (!header) return { ok: false, reason: `no ${SIGNATURE_HEADER} header` };
  const parts = new Map(header.split(',').map((p) => p.trim().split('=', 2) as [string, string]));
  const t = Number(parts.get('t'));
  const given = parts.get('v1');
  if (!Number.isInteger(t) || !given || !/^[0-9a-f]{64}$/.test(given)) return { ok: false, reason: 'malformed signature header: expected t=<unix seconds>,v1=<64 hex digits>' };
  if (Math.abs(nowMs / 1000 - t) > toleranceS) return { ok: false, reason: `signed at ${new Date(t * 1000).toISOString()}, more than ${toleranceS} s from now: a replay, or a clock off` };
  const expected = Buffer.from(mac(secret, t, body), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(given, 'hex'))) return { ok: false, reason: 'signature does not match the body: another secret, or the body was altered' };
  return { ok: true };
}
