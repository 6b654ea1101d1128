import { describe, expect, it } from 'vitest';
import type { Ack } from '../../protocol/ack.js';
import { settlementOf } from './settle.js';

const ack = (fields: Omit<Partial<Ack>, 'code'> & { code?: string }): Ack => ({ v: 1, gateway: 'gw', seq: 1, status: 'rejected', ...fields }) as Ack;

describe('settlementOf (docs/protocol.md §7.3)', () => {
  it('releases accepted, duplicate and quarantined batches', () => {
    for (const status of ['accepted', 'duplicate', 'quarantined'] as const) expect(settlementOf(ack({ status }))).toBe('released');
  });

  it('keeps a batch the ingest refused for now: store down, internal error, full quarantine of an unknown gateway', () => {
    for (const code of ['FT_ERR_STORE', 'FT_ERR_INTERNAL', 'FT_ERR_UNKNOWN_GATEWAY']) expect(settlementOf(ack({ code }))).toBe('retry');
  });

  it('dead-letters a batch refused for good, and one refused with a code this agent does not know', () => {
    for (const code of ['FT_ERR_BAD_SIGNATURE', 'FT_ERR_FORK', 'FT_ERR_SCHEMA', 'FT_ERR_FROM_THE_FUTURE', undefined]) expect(settlementOf(ack({ code }))).toBe('dead-lettered');
  });
});
