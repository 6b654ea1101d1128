/**
 * TypeBox schemas of the HTTP API: they validate requests, serialize responses and generate the
 * OpenAPI document at /docs (STYLE.md §7), so they are the single description of the API.
 */
import { Type, type Static } from '@sinclair/typebox';
import { ERRORS } from '../../common/errors.js';

const codes = Object.keys(ERRORS);

export const ErrorCodeSchema = Type.Unsafe<string>({ type: 'string', enum: codes, description: 'Stable error code (FT_ERR_*)' });

export const ErrorBody = Type.Object(
  { error: Type.Object({ code: ErrorCodeSchema, message: Type.String() }) },
  { $id: 'ErrorBody', description: 'Every error response: a stable code and a message a person can act on (5xx details are in the server log).' },
);
export type ErrorBody = Static<typeof ErrorBody>;

export const IsoTime = (description: string) => Type.String({ format: 'date-time', description: `${description}, ISO 8601 / RFC 3339 (UTC)` });

export const AckBody = Type.Object(
  {
    v: Type.Literal(1),
    gateway: Type.String({ description: 'Gateway the batch claims (empty when the envelope could not be read)' }),
    seq: Type.Integer({ description: 'Batch sequence number (0 when the envelope could not be read)' }),
    id: Type.Optional(Type.String({ description: 'Batch id: SHA-256 of the canonical bytes, hex' })),
    status: Type.Union([Type.Literal('accepted'), Type.Literal('duplicate'), Type.Literal('quarantined'), Type.Literal('rejected')]),
    code: Type.Optional(ErrorCodeSchema),
    reason: Type.Optional(Type.String()),
    retryAfterS: Type.Optional(Type.Integer({ minimum: 1, description: 'With FT_ERR_RATE_LIMITED: seconds to wait before sending the batch again' })),
  },
  { description: 'The acknowledgement a gateway gets, after the batch is committed (protocol/ack.ts).' },
);

/** A rejected batch: the Ack plus the common error body, so both kinds of client understand it. */
export const RejectionBody = Type.Object(
  {
    ...Type.Partial(AckBody).properties,
    error: ErrorBody.properties.error,
  },
  { description: 'A refused batch (status rejected) or request: the acknowledgement and the error.' },
);

export const ReadingView = Type.Object({
  ts: Type.Integer({ description: 'Measurement time, UTC ms since 1970' }),
  time: IsoTime('Measurement time'),
  tsSource: Type.Union([Type.Literal('device'), Type.Literal('gateway')], { description: "Whose clock produced ts" }),
  sensor: Type.String(),
  location: Type.String(),
  tempC: Type.Optional(Type.Number({ description: 'Air temperature, °C' })),
  rh: Type.Optional(Type.Number({ description: 'Relative humidity, %' })),
  battery: Type.Optional(Type.Number({ description: 'Battery, %' })),
  link: Type.Optional(Type.Integer({ description: 'Link quality as the radio reports it' })),
  src: Type.String({ description: 'Input and port, topic or bus address at the gateway' }),
  gateway: Type.String(),
  batchId: Type.String({ description: 'Id of the signed batch that carried the reading' }),
  seq: Type.Integer({ description: 'Sequence number of that batch' }),
  index: Type.Integer({ description: 'Position of the reading in the batch' }),
  verified: Type.Literal(true, { description: 'The batch signature and hash chain verified at ingest' }),
});

export const GatewayView = Type.Object({
  id: Type.String(),
  publicKey: Type.String({ description: 'Raw Ed25519 public key, hex' }),
  label: Type.Optional(Type.String()),
  enrolledAt: IsoTime('Enrollment time'),
  lastSeenAt: Type.Optional(IsoTime('Receipt time of the latest accepted batch')),
  lastSeq: Type.Optional(Type.Integer({ description: 'Highest accepted batch seq' })),
  batches: Type.Integer(),
  readings: Type.Integer(),
  revocation: Type.Optional(
    Type.Object(
      {
        effectiveAt: IsoTime('Batches created at or after this time are refused (FT_ERR_REVOKED)'),
        reason: Type.String(),
        recordedAt: IsoTime('When the key was revoked'),
      },
      { description: 'Present once the gateway key is revoked' },
    ),
  ),
});
export type GatewayView = Static<typeof GatewayView>;

export function errorResponses(...statuses: number[]): Record<number, typeof ErrorBody> {
  return Object.fromEntries(statuses.map((s) => [s, ErrorBody]));
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
