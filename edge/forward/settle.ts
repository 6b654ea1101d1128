/**
 * What the edge does with the ingest's answer to a batch, the same for every transport
 * (docs/protocol.md §7.3, §7.4): accepted, duplicate and quarantined release the batch from
 * the outbox; a rejection with a retryable code (the ingest's store is down, the gateway is over
 * its rate limit) or from a full
 * quarantine (FT_ERR_UNKNOWN_GATEWAY: the gateway is not enrolled yet) keeps it for a later try; any other rejection is final, so the batch is written to the dead-letter folder
 * with the reason and only then released — never silently deleted.
 */
import { ERRORS } from '../../common/errors.js';
import type { Logger } from '../../common/log.js';
import { ackReleasesBatch, type Ack } from '../../protocol/ack.js';
import type { SealedBatch } from '../../protocol/batch.js';
import type { EdgeMetrics } from '../metrics.js';
import { writeDeadLetter } from './dead-letter.js';
import type { BatchQueue } from './types.js';

export type Settlement = 'released' | 'retry' | 'dead-lettered';

export interface SettleContext {
  outbox: BatchQueue;
  deadLetterDir: string;
  logger: Logger;
  metrics: EdgeMetrics;
  now(): number;
}

/** The decision alone, for callers that need it before touching the disk. */
export function settlementOf(ack: Ack): Settlement {
  if (ackReleasesBatch(ack.status)) return 'released';
  // An ingest newer than this agent may send a code we do not know: `rejected` still means
  // "re-sending the same bytes cannot succeed" (§7.3), so only known retryable codes retry.
  const known = ack.code === undefined ? undefined : (ERRORS as Record<string, { class: string } | undefined>)[ack.code];
  // Not enrolled and its quarantine full: the same bytes succeed once the gateway is enrolled,
  // so the batch stays in the outbox (§7.3) rather than in a folder nobody replays.
  if (ack.code === 'FT_ERR_UNKNOWN_GATEWAY') return 'retry';
  return known?.class === 'retryable' ? 'retry' : 'dead-lettered';
}

/**
 * How long to wait before sending a batch the ingest asked to retry: the forwarder's own backoff,
 * but never less than the ingest's Retry-After (FT_ERR_RATE_LIMITED carries retryAfterS).
 */
export function retryDelayMs(ack: Ack, backoffMs: number): number {
  const asked = typeof ack.retryAfterS === 'number' && Number.isFinite(ack.retryAfterS) ? Math.min(ack.retryAfterS, MAX_RETRY_AFTER_S) * 1000 : 0;
  return Math.max(backoffMs, asked);
}

/** An ingest asking for more than an hour is ignored beyond that: the outbox keeps the batch anyway. */
const MAX_RETRY_AFTER_S = 3600;

/** Applies the ingest's answer for `sealed` to the outbox. Callers serialize calls. */
export async function settleAck(ack: Ack, sealed: SealedBatch, ctx: SettleContext): Promise<Settlement> {
  const settlement = settlementOf(ack);
  ctx.metrics.batchesAcked.inc({ status: ack.status });
  switch (settlement) {
    case 'released':
      await ctx.outbox.ack(ack.seq, ack.status);
      break;
    case 'retry':
      ctx.logger.warn({ seq: ack.seq, code: ack.code, reason: ack.reason }, 'ingest asked to retry later');
      break;
    case 'dead-lettered': {
      const path = await writeDeadLetter(ctx.deadLetterDir, sealed, ack, ctx.now());
      await ctx.outbox.ack(ack.seq, 'dead-letter');
      ctx.logger.error({ seq: ack.seq, code: ack.code, reason: ack.reason, path }, 'ingest rejected a batch; moved to the dead-letter folder');
      break;
    }
  }
  return settlement;
}
