/**
 * API access administration (issue 7, docs/security.md): who am I; API keys (created with the
 * secret shown once, listed without it, revoked); parties and their locations; the audit log.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { FreshTrailError } from '../../../common/errors.js';
import { generateApiKey } from '../../auth/api-keys.js';
import { verifyAuditChain } from '../../auth/audit-chain.js';
import { effectiveScopes, PARTY_SCOPED_ROLES, SCOPES } from '../../auth/scopes.js';
import { ROLES, type ApiKeyRecord, type AuditEntry, type Party } from '../../store/auth-types.js';
import { errorResponses, iso, IsoTime } from '../schemas.js';
import type { RouteOptions } from '../services.js';

const RoleSchema = Type.Union(ROLES.map((r) => Type.Literal(r)));
const ScopeSchema = Type.Union(SCOPES.map((s) => Type.Literal(s)));
const KeyView = Type.Object({
  id: Type.String(),
  label: Type.String(),
  role: RoleSchema,
  party: Type.Optional(Type.String()),
  scopes: Type.Array(Type.String(), { description: 'Limited to these; empty: all of the role\'s' }),
  createdAt: IsoTime('Created'),
  createdBy: Type.String(),
  expiresAt: Type.Optional(IsoTime('Expires')),
  revokedAt: Type.Optional(IsoTime('Revoked')),
  revokedBy: Type.Optional(Type.String()),
  lastUsedAt: Type.Optional(IsoTime('Last used (updated at most once a minute)')),
});
const CreateKeyBody = Type.Object({
  label: Type.String({ minLength: 1, maxLength: 200, description: 'What the key is for, e.g. "packhouse tablet"' }),
  role: RoleSchema,
  party: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Required for grower and distributor (a registered party) and gateway (the gateway id)' })),
  scopes: Type.Optional(Type.Array(ScopeSchema, { maxItems: SCOPES.length, description: 'Limit the key to these scopes of its role' })),
  expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650, description: 'Default 365' })),
}, { additionalProperties: false });
const PartyView = Type.Object({ id: Type.String(), name: Type.String(), locations: Type.Array(Type.String()), createdAt: IsoTime('Registered'), updatedAt: IsoTime('Last changed') });
const PartyBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  locations: Type.Array(Type.String({ minLength: 1, maxLength: 500 }), { minItems: 1, maxItems: 1000, description: 'Location ids, or prefixes ending with "/", ":" or "."' }),
}, { additionalProperties: false });
const AuditQuery = Type.Object({
  afterId: Type.Optional(Type.Integer({ minimum: 0 })),
  action: Type.Optional(Type.String()),
  actor: Type.Optional(Type.String()),
  resource: Type.Optional(Type.String()),
  limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 }),
}, { additionalProperties: false });
const AuditView = Type.Object({
  id: Type.Integer(), time: IsoTime('When'), actor: Type.String(), role: Type.Optional(Type.String()), party: Type.Optional(Type.String()),
  action: Type.String(), resource: Type.String(), outcome: Type.String(), ip: Type.Optional(Type.String()),
  detail: Type.Optional(Type.Record(Type.String(), Type.Unknown())), prevHash: Type.String(), hash: Type.String(),
  at: Type.Integer({ description: 'UTC ms (hashed as such)' }),
});

const DAY_MS = 86_400_000;

function keyView({ expiresAt, revokedAt, lastUsedAt, ...k }: ApiKeyRecord): Static<typeof KeyView> {
  return {
    ...k,
    createdAt: iso(k.createdAt),
    ...(expiresAt === undefined ? {} : { expiresAt: iso(expiresAt) }),
    ...(revokedAt === undefined ? {} : { revokedAt: iso(revokedAt) }),
    ...(lastUsedAt === undefined ? {} : { lastUsedAt: iso(lastUsedAt) }),
  };
}
const partyView = (p: Party): Static<typeof PartyView> => ({ ...p, createdAt: iso(p.createdAt), updatedAt: iso(p.updatedAt) });
const auditView = (e: AuditEntry): Static<typeof AuditView> => ({ ...e, time: iso(e.at) });

export async function accessAdminRoutes(app: FastifyInstance, { services }: RouteOptions): Promise<void> {
  const { store } = services;
  const now = services.now ?? Date.now;

  app.get('/whoami', {
    schema: {
      tags: ['access'], summary: 'The principal these credentials act as',
      response: { 200: Type.Object({ actor: Type.String(), role: RoleSchema, party: Type.Optional(Type.String()), scopes: Type.Array(Type.String()), locations: Type.Optional(Type.Array(Type.String())) }) },
    },
  }, async (request) => {
    const p = request.principal!;
    return { actor: p.actor, role: p.role, ...(p.party === undefined ? {} : { party: p.party }), scopes: [...p.scopes].sort(), ...(p.locations ? { locations: [...p.locations] } : {}) };
  });

  app.get('/keys', { schema: { tags: ['access'], summary: 'API keys (never their secrets)', response: { 200: Type.Object({ keys: Type.Array(KeyView) }) } } }, async () => ({
    keys: (await store.listApiKeys()).map(keyView),
  }));

  app.post<{ Body: Static<typeof CreateKeyBody> }>('/keys', {
    schema: {
      tags: ['access'], summary: 'Create an API key; the answer holds the whole key, shown this once',
      body: CreateKeyBody,
      response: { 201: Type.Object({ key: Type.String({ description: 'ft_<id>_<secret>: send as Authorization: Bearer <key>' }), ...KeyView.properties }), ...errorResponses(400, 409) },
    },
  }, async (request, reply) => {
    const { label, role, party, scopes = [], expiresInDays = 365 } = request.body;
    try {
      effectiveScopes(role, scopes);
    } catch (err) {
      throw new FreshTrailError('FT_ERR_SCHEMA', (err as Error).message);
    }
    if (PARTY_SCOPED_ROLES.has(role) && (party === undefined || !(await store.getParty(party)))) {
      throw new FreshTrailError('FT_ERR_SCHEMA', `a ${role} key needs "party", a registered party (PUT /api/v1/parties/{id}); got ${JSON.stringify(party ?? null)}`);
    }
    if (role === 'gateway' && (party === undefined || !(await store.getGateway(party)))) {
      throw new FreshTrailError('FT_ERR_SCHEMA', `a gateway key needs "party", the id of an enrolled gateway; got ${JSON.stringify(party ?? null)}`);
    }
    const at = now();
    const secret = generateApiKey();
    const record = { id: secret.id, label, role, ...(party === undefined ? {} : { party }), scopes, createdAt: at, createdBy: request.principal!.actor, expiresAt: at + expiresInDays * DAY_MS };
    if (!(await store.createApiKey({ ...record, secretHash: secret.secretHash }))) throw new FreshTrailError('FT_ERR_CONFLICT', 'key id collision; try again');
    request.auditNote = { resource: secret.id, detail: { role, ...(party === undefined ? {} : { party }), scopes } };
    return reply.status(201).send({ key: secret.key, ...keyView(record) });
  });

  app.post<{ Params: { id: string } }>('/keys/:id/revoke', {
    schema: { tags: ['access'], summary: 'Revoke an API key, at once', params: Type.Object({ id: Type.String() }), response: { 200: KeyView, ...errorResponses(404, 409) } },
  }, async (request) => {
    const { id } = request.params;
    const existing = await store.apiKeyWithHash(id);
    if (!existing) throw new FreshTrailError('FT_ERR_NOT_FOUND', `no API key ${id}`);
    if (!(await store.revokeApiKey(id, request.principal!.actor, now()))) throw new FreshTrailError('FT_ERR_CONFLICT', `API key ${id} was revoked already`);
    const { secretHash: _hash, ...revoked } = (await store.apiKeyWithHash(id))!;
    return keyView(revoked);
  });

  app.get('/parties', { schema: { tags: ['access'], summary: 'Parties (growers, distributors) and their locations', response: { 200: Type.Object({ parties: Type.Array(PartyView) }) } } }, async () => ({
    parties: (await store.listParties()).map(partyView),
  }));

  app.put<{ Params: { id: string }; Body: Static<typeof PartyBody> }>('/parties/:id', {
    schema: {
      tags: ['access'], summary: 'Register or change a party and the locations whose data its users may read',
      params: Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$' }) }), body: PartyBody, response: { 200: PartyView, ...errorResponses(400) },
    },
  }, async (request) => partyView(await store.upsertParty({ id: request.params.id, ...request.body }, now())));

  app.get<{ Querystring: Static<typeof AuditQuery> }>('/audit', {
    schema: {
      tags: ['access'], summary: 'The audit log, oldest first, with the hash chain checked over the entries returned',
      querystring: AuditQuery,
      response: { 200: Type.Object({ entries: Type.Array(AuditView), chain: Type.Object({ ok: Type.Boolean(), problems: Type.Array(Type.String()) }, { description: 'Over a filtered page only links are not checked, only each entry\'s own hash' }) }) },
    },
  }, async (request) => {
    const q = request.query;
    const entries = await store.listAudit({ limit: q.limit, ...(q.afterId === undefined ? {} : { afterId: q.afterId }), ...(q.action ? { action: q.action } : {}), ...(q.actor ? { actor: q.actor } : {}), ...(q.resource ? { resource: q.resource } : {}) });
    const filtered = q.action !== undefined || q.actor !== undefined || q.resource !== undefined;
    const problems = entries.length === 0 ? [] : filtered
      ? entries.flatMap((e) => verifyAuditChain([e], e.prevHash))
      : verifyAuditChain(entries, entries[0]!.prevHash);
    return { entries: entries.map(auditView), chain: { ok: problems.length === 0, problems } };
  });
}
