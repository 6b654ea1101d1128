/**
 * After-commit consumers (ingest/consumers/): where each one's cursor stands and how far it is
 * behind, and rewinding a cursor to replay, e.g. into an InfluxDB restored from a backup.
 * Consumers are idempotent, so a replay rewrites what is there and adds what is missing.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { FreshTrailError } from '../../../common/errors.js';
import { errorResponses } from '../schemas.js';
import type { RouteOptions } from '../services.js';

const ConsumerView = Type.Object({
  name: Type.String({ description: 'Consumer (cursor) name, e.g. influx' }),
  configured: Type.Boolean({ description: 'Whether this ingest configuration runs it (a cursor can outlive its consumer)' }),
  position: Type.Integer({ description: 'Commit position of the last batch it handled; 0: none yet' }),
  backlogBatches: Type.Integer({ description: 'Committed batches after the cursor' }),
  backlogReadings: Type.Integer({ description: 'Readings in those batches' }),
});

const CursorBody = Type.Object(
  { position: Type.Integer({ minimum: 0, description: 'New cursor position: 0 replays every stored batch; a position from GET /consumers replays what came after it' }) },
  { additionalProperties: false },
);

export async function consumerRoutes(app: FastifyInstance, { services }: RouteOptions): Promise<void> {
  const configured = new Set(services.consumers ?? []);

  app.get('/consumers', {
    schema: { tags: ['service'], summary: 'After-commit consumers: cursor and backlog of each', response: { 200: Type.Object({ consumers: Type.Array(ConsumerView) }) } },
  }, async () => {
    const stored = new Map((await services.store.listConsumerCursors()).map((c) => [c.name, c.position]));
    const names = [...new Set([...configured, ...stored.keys()])].sort();
    const consumers = await Promise.all(
      names.map(async (name) => {
        const position = stored.get(name) ?? 0;
        const backlog = await services.store.backlogAfter(position);
        return { name, configured: configured.has(name), position, backlogBatches: backlog.batches, backlogReadings: backlog.readings };
      }),
    );
    return { consumers };
  });

  app.put<{ Params: { name: string }; Body: Static<typeof CursorBody> }>('/consumers/:name/cursor', {
    schema: {
      tags: ['service'],
      summary: 'Moves a consumer\'s cursor (rewind to replay); the consumer continues from there within one round',
      params: Type.Object({ name: Type.String() }),
      body: CursorBody,
      response: { 200: Type.Object({ name: Type.String(), position: Type.Integer(), previous: Type.Integer() }), ...errorResponses(400, 404) },
    },
  }, async (request) => {
    const { name } = request.params;
    const previous = await services.store.getConsumerCursor(name);
    if (!configured.has(name) && !(await services.store.listConsumerCursors()).some((c) => c.name === name)) {
      throw new FreshTrailError('FT_ERR_NOT_FOUND', `no consumer "${name}": GET /api/v1/consumers lists them (configured: ${[...configured].join(', ') || 'none'})`);
    }
    await services.store.setConsumerCursor(name, request.body.position);
    request.log.warn({ consumer: name, from: previous, to: request.body.position }, 'consumer cursor moved by request');
    return { name, position: request.body.position, previous };
  });
}
