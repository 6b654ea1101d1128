import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/log.js';
import type { Ack } from '../../protocol/ack.js';
import { generateKeyPair } from '../../protocol/keys.js';
import { EdgeMetrics } from '../metrics.js';
import { retryDelayMs, settleAck, settlementOf } from './settle.js';
import { openOutbox, sealBatches } from './test-helpers.js';

const ack = (fields: Omit<Partial<Ack>, 'code'> & { code?: string }): Ack => ({ v: 1, gateway: 'gw', seq: 1, status: 'rejected', ...fields }) as Ack;

describe('settlementOf (docs/protocol.md §7.3)', () => {
  it('releases accepted, duplicate and quarantined batches', () => {
    for (const status of ['accepted', 'duplicate', 'quarantined'] as const) expect(settlementOf(ack({ status }))).toBe('released');
  });

  it('keeps a batch the ingest refused for now: store down, internal error, full quarantine of an unknown gateway', () => {
    for (const code of ['FT_ERR_STORE', 'FT_ERR_INTERNAL', 'FT_ERR_UNKNOWN_GATEWAY', 'FT_ERR_RATE_LIMITED']) expect(settlementOf(ack({ code }))).toBe('retry');
  });

  it('keeps a rate-limited batch in the outbox (nothing dead-lettered) and releases it when accepted later', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ft-settle-'));
    try {
      const outbox = await openOutbox(dir, 'gw');
      const [sealed] = await sealBatches(outbox, generateKeyPair(), 1);
      const ctx = { outbox, deadLetterDir: join(dir, 'dead-letter'), logger: silentLogger(), metrics: new EdgeMetrics(), now: () => 0 };
      const limited = ack({ seq: sealed!.batch.seq, code: 'FT_ERR_RATE_LIMITED', reason: 'slow down', retryAfterS: 3 });
      expect(await settleAck(limited, sealed!, ctx)).toBe('retry');
      expect(outbox.pending().map((b) => b.id)).toEqual([sealed!.id]);
      expect(await readdir(ctx.deadLetterDir).catch(() => [])).toEqual([]);
      expect(await settleAck(ack({ seq: sealed!.batch.seq, status: 'accepted' }), sealed!, ctx)).toBe('released');
      expect(outbox.pending()).toEqual([]);
      await outbox.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('dead-letters a batch refused for good, and one refused with a code this agent does not know', () => {
    for (const code of ['FT_ERR_BAD_SIGNATURE', 'FT_ERR_FORK', 'FT_ERR_SCHEMA', 'FT_ERR_FROM_THE_FUTURE', undefined]) expect(settlementOf(ack({ code }))).toBe('dead-lettered');
  });
});

describe('retryDelayMs', () => {
  it('waits the backoff, or the ingest\'s Retry-After when longer, at most an hour', () => {
    const limited = (retryAfterS?: number): Ack => ({ v: 1, gateway: 'gw', seq: 1, status: 'rejected', code: 'FT_ERR_RATE_LIMITED', retryAfterS });
    expect(retryDelayMs(limited(), 500)).toBe(500);
    expect(retryDelayMs(limited(3), 500)).toBe(3000);
    expect(retryDelayMs(limited(3), 8000)).toBe(8000);
    expect(retryDelayMs(limited(86_400), 500)).toBe(3_600_000);
  });
});
