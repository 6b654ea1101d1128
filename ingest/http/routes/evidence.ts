/**
 * A lot's evidence bundle (issue 6, docs/evidence.md): everything a third party needs to check
 * the lot's events and readings offline and its anchor against a chain node of its own choosing
 * (`freshtrail verify`).
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { FreshTrailError } from '../../../common/errors.js';
import { buildEvidenceBundle } from '../../evidence/bundle.js';
import { errorResponses } from '../schemas.js';
import type { RouteOptions } from '../services.js';

/** The bundle as protocol/evidence.ts defines it; events are stored JSON, so the schema does not list members (nothing may be dropped). */
const Bundle = Type.Object({}, { additionalProperties: true, description: 'Evidence bundle v1 (docs/evidence.md): v, lot, leaf, events, custody, batches, gateways, proof, heads, ingestKey, anchors, generatedAt' });

export async function evidenceRoutes(app: FastifyInstance, { services }: RouteOptions): Promise<void> {
  const { store } = services;
  const now = services.now ?? Date.now;

  app.get<{ Params: { id: string }; Querystring: { leaf: 'anchored' | 'latest' } }>('/lots/:id/evidence', {
    schema: {
      tags: ['lots'],
      summary: "A lot's evidence bundle: events, signed batches of its custody, gateway keys, inclusion proof, signed heads, anchors",
      params: Type.Object({ id: Type.String() }),
      querystring: Type.Object({
        leaf: Type.Union([Type.Literal('anchored'), Type.Literal('latest')], {
          default: 'anchored',
          description: 'anchored: the newest leaf an anchor on a chain covers (else the newest); latest: the newest leaf, which may still wait for its anchor',
        }),
      }, { additionalProperties: false }),
      response: { 200: Bundle, ...errorResponses(404) },
    },
  }, async (request) => {
    const { id } = request.params;
    const evidence = services.evidence;
    if (!evidence) throw new FreshTrailError('FT_ERR_NOT_FOUND', 'this ingest does not close epochs (anchoring.enabled is false), so it has no evidence bundles');
    if (!(await store.getLot(id))) throw new FreshTrailError('FT_ERR_NOT_FOUND', `no lot "${id}"`);
    const bundle = await buildEvidenceBundle(id, { store, headPublicKey: evidence.headPublicKey, now: now(), leaf: request.query.leaf });
    if (!bundle) {
      throw new FreshTrailError('FT_ERR_NOT_FOUND', `lot "${id}" has no evidence leaf yet: epochs close every ${evidence.epochMinutes} minutes (anchoring.epochMinutes) once the lot has events or readings`);
    }
    return bundle;
  });
}
