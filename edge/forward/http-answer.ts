/**
 * Reads the ingest's answer to `POST /api/v1/batches` (docs/protocol.md §7.4) as an Ack, or as
 * "try again later". Only the ingest's own answers may release or dead-letter a batch: a
 * proxy's error page, a 404 from a wrong URL or a 401 from an authenticating gateway say
 * nothing about the batch, so they are retried (and reported) rather than treated as a verdict.
 */
import { ERRORS } from '../../common/errors.js';
import { isPlainObject } from '../../protocol/reading.js';
import { parseAck, type Ack } from '../../protocol/ack.js';
import type { SealedBatch } from '../../protocol/batch.js';

export type HttpAnswer =
  | { kind: 'ack'; ack: Ack }
  | { kind: 'retry'; reason: string; code?: string };

/** Statuses that speak about the request's route, credentials or rate, never about the batch. */
const NOT_ABOUT_THE_BATCH = new Set([401, 403, 404, 405, 407, 408, 421, 425, 429]);

export function readHttpAnswer(status: number, body: string, sealed: SealedBatch, key: string): HttpAnswer {
  const json = parseJson(body);
  const ack = json === undefined ? undefined : parseAck(Buffer.from(body));
  if (ack && ack.gateway === sealed.batch.gateway && ack.seq === sealed.batch.seq) {
    if (ack.id !== undefined && ack.id !== sealed.id) {
      // The ingest hashed other bytes than we sent: a broken proxy or a bug, never a verdict.
      return { kind: 'retry', reason: `HTTP ${status}: the ingest answered for batch id ${ack.id}, not ${sealed.id}` };
    }
    return { kind: 'ack', ack };
  }
  const error = isPlainObject(json) && isPlainObject(json.error) ? json.error : undefined;
  const code = typeof error?.code === 'string' ? error.code : undefined;
  const message = typeof error?.message === 'string' ? error.message : body.slice(0, 200);
  const said = `HTTP ${status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}`;
  if (status === 401 || status === 403 || status === 407) {
    return { kind: 'retry', code, reason: `${said}; the ingest or a proxy refused the credentials, check ${key}.headers / ${key}.bearerToken` };
  }
  if (status === 404 || status === 405) {
    return { kind: 'retry', code, reason: `${said}; no batch endpoint there, check ${key}.url (the ingest base URL, without /api/v1/batches)` };
  }
  // A 4xx carrying a catalogued rejection code is the ingest refusing these bytes (e.g. its body
  // limit answering FT_ERR_TOO_LARGE before the pipeline could build an Ack): final.
  const catalogued = code === undefined ? undefined : (ERRORS as Record<string, { class: string } | undefined>)[code];
  if (status >= 400 && status < 500 && !NOT_ABOUT_THE_BATCH.has(status) && catalogued?.class === 'rejected') {
    return { kind: 'ack', ack: { v: 1, gateway: sealed.batch.gateway, seq: sealed.batch.seq, status: 'rejected', code: code as Ack['code'], reason: message } };
  }
  if (status >= 500 || status === 429 || status === 408) return { kind: 'retry', code, reason: said };
  return { kind: 'retry', code, reason: `${said}; not an acknowledgement from a FreshTrail ingest, check ${key}.url` };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
