import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhookSignature } from './webhook-signature.js';

const SECRET = 'whsec-0123456789abcdef';
const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
const BODY = '{"id":7,"type":"alert.opened"}';

describe('webhook signature', () => {
  it('is t=<unix seconds>,v1=<HMAC-SHA256 of "t.body"> as docs/alerts.md specifies', () => {
    const t = NOW / 1000;
    const expected = createHmac('sha256', SECRET).update(`${t}.${BODY}`).digest('hex');
    expect(signWebhook(SECRET, BODY, NOW)).toBe(`t=${t},v1=${expected}`);
  });

  it('matches the test vector of docs/alerts.md §3.1', () => {
    expect(signWebhook(SECRET, BODY, 1768502160_000)).toBe('t=1768502160,v1=37304b6563af5c0e6ac63a1b9f6f72dc5476f2a78118a01d9decb6836b989997');
  });

  it('verifies what it signed, within the tolerance', () => {
    const header = signWebhook(SECRET, BODY, NOW);
    expect(verifyWebhookSignature(SECRET, header, BODY, NOW + 299_000)).toEqual({ ok: true });
  });

  it('refuses an altered body, another secret, a stale or future timestamp, and malformed headers, saying why', () => {
    const header = signWebhook(SECRET, BODY, NOW);
    expect(verifyWebhookSignature(SECRET, header, BODY.replace('7', '8'), NOW)).toMatchObject({ ok: false, reason: expect.stringMatching(/does not match/) });
    expect(verifyWebhookSignature('another-secret-0123', header, BODY, NOW)).toMatchObject({ ok: false, reason: expect.stringMatching(/does not match/) });
    expect(verifyWebhookSignature(SECRET, header, BODY, NOW + 301_000)).toMatchObject({ ok: false, reason: expect.stringMatching(/replay/) });
    expect(verifyWebhookSignature(SECRET, header, BODY, NOW - 301_000)).toMatchObject({ ok: false });
    expect(verifyWebhookSignature(SECRET, undefined, BODY, NOW)).toMatchObject({ ok: false, reason: expect.stringMatching(/no freshtrail-signature header/) });
    for (const bad of ['v1=abc', `t=x,v1=${'0'.repeat(64)}`, `t=${NOW / 1000},v1=${'0'.repeat(63)}`, '']) {
      expect(verifyWebhookSignature(SECRET, bad, BODY, NOW).ok).toBe(false);
    }
  });
});
