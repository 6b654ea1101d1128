/**
 * The one error handler of the HTTP API (STYLE.md §8): every error becomes
 * `{ "error": { "code", "message" } }` with a stable FT_ERR_* code; 5xx answers show the
 * catalog summary only, the details go to the log.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERRORS, isFreshTrailError, type ErrorCode } from '../../common/errors.js';
import type { IngestMetrics } from '../metrics.js';

export interface HttpError {
  status: number;
  code: ErrorCode;
  message: string;
}

/** Maps anything thrown in a route to an HTTP status, code and public message. */
export function toHttpError(err: unknown): HttpError {
  if (isFreshTrailError(err)) return { status: ERRORS[err.code].http, code: err.code, message: err.message };
  const fe = err as Partial<FastifyError>;
  if (fe.validation) return { status: 400, code: 'FT_ERR_SCHEMA', message: fe.message ?? 'invalid request' };
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, code: 'FT_ERR_TOO_LARGE', message: 'the request body exceeds http.bodyLimitBytes' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, code: 'FT_ERR_MALFORMED', message: 'unsupported Content-Type: send application/json' };
    default:
      break;
  }
  const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500;
  if (status === 404) return { status, code: 'FT_ERR_NOT_FOUND', message: fe.message ?? 'not found' };
  if (status >= 400 && status < 500) return { status, code: 'FT_ERR_MALFORMED', message: fe.message ?? 'bad request' };
  return { status: 500, code: 'FT_ERR_INTERNAL', message: ERRORS.FT_ERR_INTERNAL.summary };
}

export function installErrorHandling(app: FastifyInstance, metrics: IngestMetrics): void {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const e = toHttpError(err);
    if (e.status >= 500) {
      request.log.error({ err, url: request.url }, 'request failed');
      e.message = ERRORS[e.code].summary;
    }
    // A refused batch upload counts as a rejection whatever refused it (fastify's body limit, the pipeline).
    if (e.status < 500 && request.routeOptions.url === '/api/v1/batches') metrics.rejections.inc({ code: e.code });
    void reply.status(e.status).send({ error: { code: e.code, message: e.message } });
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ error: { code: 'FT_ERR_NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` } });
  });
}
