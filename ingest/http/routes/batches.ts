/**
 * HTTP transport of signed batches: `POST /api/v1/batches` with the envelope JSON as body.
 * Answers after the commit with the Ack: 200 accepted or duplicate, 202 quarantined, and for a
 * rejection the status of its code in the error catalog with the Ack and the error.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ERRORS } from '../../../common/errors.js';
import type { Ack } from '../../../protocol/ack.js';
import { AckBody, ErrorBody, RejectionBody } from '../schemas.js';
import type { RouteOptions } from '../services.js';

/** The envelope, for the OpenAPI document; the pipeline checks the bytes itself (protocol/batch.ts). */
const Envelope = Type.Object(
  {
    batch: Type.Object(
      {
        v: Type.Literal(1),
        gateway: Type.String(),
        seq: Type.Integer({ minimum: 1 }),
        prev: Type.String({ pattern: '^[0-9a-f]{64}$' }),
        createdAt: Type.Integer({ description: 'UTC ms' }),
        readings: Type.Array(Type.Object({}, { additionalProperties: true }), { minItems: 1 }),
      },
      { additionalProperties: false },
    ),
    sig: Type.String({ pattern: '^[0-9a-f]{128}$', description: 'Ed25519 signature over the RFC 8785 canonical bytes of batch' }),
  },
  { additionalProperties: false, description: 'A signed batch envelope v1 (docs/protocol.md)' },
);

/** HTTP status of an Ack. A quarantine-full refusal (FT_ERR_UNKNOWN_GATEWAY, rejected) is 403. */
export function ackHttpStatus(ack: Ack): number {
  switch (ack.status) {
    case 'accepted':
    case 'duplicate':
      return 200;
    case 'quarantined':
      return 202;
    case 'rejected':
      if (!ack.code) return 400;
      return ack.code === 'FT_ERR_UNKNOWN_GATEWAY' ? 403 : ERRORS[ack.code].http;
  }
}

export async function batchRoutes(app: FastifyInstance, { services }: RouteOptions): Promise<void> {
  // The pipeline needs the bytes, whatever Content-Type a client sends (curl --data-binary sends
  // a form type): replace every parser with a raw one, in this plugin's scope only.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: services.bodyLimitBytes }, (_req, body, done) => {
    done(null, body);
  });

  app.post('/batches', {
    schema: {
      tags: ['batches'],
      summary: 'Submit a signed batch; answers after it is committed',
      body: Envelope,
      response: { 200: AckBody, 202: AckBody, '4xx': RejectionBody, '5xx': ErrorBody },
    },
    // The body schema documents the envelope; validating it here would only duplicate decodeEnvelope.
    validatorCompiler: () => () => true,
    bodyLimit: services.bodyLimitBytes,
  }, async (request, reply) => {
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const ack = await services.pipeline.submit(body, { transport: 'http' });
    const status = ackHttpStatus(ack);
    if (ack.status !== 'rejected') return reply.status(status).send(ack);
    // RFC 9110 §10.2.3: delay-seconds; with 429 (RFC 6585 §4) it says when to send the batch again.
    if (ack.retryAfterS !== undefined) void reply.header('retry-after', String(ack.retryAfterS));
    return reply.status(status).send({ ...ack, error: { code: ack.code ?? 'FT_ERR_MALFORMED', message: ack.reason ?? 'rejected' } });
  });
}
