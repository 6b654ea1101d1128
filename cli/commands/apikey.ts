/**
 * `freshtrail apikey`: API keys and parties straight on the ingest's store (the file or the
 * PostgreSQL database of its configuration), for the first setup and for recovery when no admin
 * key is at hand; the running ingest sees the changes at once. Every change is written to the
 * audit log as actor "cli". Over HTTP the same is POST /api/v1/keys and PUT /api/v1/parties/{id}.
 */
import { loadConfigFile } from '../../common/config.js';
import { generateApiKey } from '../../ingest/auth/api-keys.js';
import { effectiveScopes, PARTY_SCOPED_ROLES } from '../../ingest/auth/scopes.js';
import { defaultIngestConfig, IngestConfig } from '../../ingest/config.js';
import { openStore } from '../../ingest/service.js';
import { ROLES, type Role } from '../../ingest/store/auth-types.js';
import type { Store } from '../../ingest/store/types.js';
import { intOption, parseCommandArgs, print, UsageError } from '../args.js';

const USAGE = `usage: freshtrail apikey create --role ROLE [--party ID] [--label TEXT] [--scopes a,b] [--days N] [--config ingest.yaml | --data-dir DIR]
       freshtrail apikey list   [--config ingest.yaml | --data-dir DIR]
       freshtrail apikey revoke --id ID [--config ingest.yaml | --data-dir DIR]
       freshtrail apikey party  --id ID --name NAME --location LOC [--location LOC …] [--config …]

API keys of the ingest (docs/security.md), written to its store directly: works while the
ingest runs, and without any other key (recovery). Roles: ${ROLES.join(', ')}. A grower's or
distributor's key needs --party, a registered party ("apikey party" registers one with its
locations: ids, or prefixes ending with "/", ":" or "."); a gateway's key needs --party = the
gateway id. "create" prints the key once; the store keeps only its hash. Default expiry 365 days.`;

const DAY_MS = 86_400_000;

export async function apikeyCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values } = parseCommandArgs(rest, {
    config: { type: 'string', short: 'c' }, 'data-dir': { type: 'string' }, role: { type: 'string' }, party: { type: 'string' }, label: { type: 'string' },
    scopes: { type: 'string' }, days: { type: 'string' }, id: { type: 'string' }, name: { type: 'string' }, location: { type: 'string', multiple: true },
  }, USAGE);
  if (values.help || !sub) return print(USAGE), sub ? 0 : 2;
  if (!['create', 'list', 'revoke', 'party'].includes(sub)) throw new UsageError(`unknown apikey subcommand "${sub}"\n\n${USAGE}`);
  const config = values.config ? loadConfigFile(values.config, IngestConfig) : defaultIngestConfig();
  if (values['data-dir']) config.dataDir = values['data-dir'];
  const store = await openStore(config);
  try {
    switch (sub) {
      case 'create':
        return await create(store, values);
      case 'list':
        return await list(store);
      case 'revoke':
        return await revoke(store, values.id);
      default:
        return await party(store, values);
    }
  } finally {
    await store.close();
  }
}

async function create(store: Store, v: { role?: string; party?: string; label?: string; scopes?: string; days?: string }): Promise<number> {
  if (!v.role || !(ROLES as readonly string[]).includes(v.role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}\n\n${USAGE}`);
  const role = v.role as Role;
  const scopes = v.scopes ? v.scopes.split(',').map((s) => s.trim()).filter(Boolean) : [];
  try {
    effectiveScopes(role, scopes);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (PARTY_SCOPED_ROLES.has(role) && (!v.party || !(await store.getParty(v.party)))) {
    throw new UsageError(`a ${role} key needs --party, a registered party (freshtrail apikey party --id … --name … --location …)`);
  }
  if (role === 'gateway' && (!v.party || !(await store.getGateway(v.party)))) throw new UsageError('a gateway key needs --party, the id of an enrolled gateway');
  const days = intOption(v.days, 'days') ?? 365;
  const at = Date.now();
  const key = generateApiKey();
  await store.createApiKey({ id: key.id, label: v.label ?? `${role} key`, role, ...(v.party ? { party: v.party } : {}), scopes, createdAt: at, createdBy: 'cli', expiresAt: at + days * DAY_MS, secretHash: key.secretHash });
  await store.appendAudit([{ at, actor: 'cli', action: 'apikey.create', resource: key.id, outcome: 'created', detail: { role, ...(v.party ? { party: v.party } : {}), scopes } }]);
  print(key.key);
  process.stderr.write(`API key ${key.id} (${role}${v.party ? `, party ${v.party}` : ''}) expires ${new Date(at + days * DAY_MS).toISOString()}; this is the only time it is shown\n`);
  return 0;
}

async function list(store: Store): Promise<number> {
  print(['id', 'role', 'party', 'label', 'expires', 'revoked', 'last used'].join('\t'));
  for (const k of await store.listApiKeys()) {
    const t = (ms: number | undefined) => (ms === undefined ? '-' : new Date(ms).toISOString());
    print([k.id, k.role, k.party ?? '-', k.label, t(k.expiresAt), t(k.revokedAt), t(k.lastUsedAt)].join('\t'));
  }
  return 0;
}

async function revoke(store: Store, id: string | undefined): Promise<number> {
  if (!id) throw new UsageError(`--id is required\n\n${USAGE}`);
  const at = Date.now();
  if (!(await store.revokeApiKey(id, 'cli', at))) {
    process.stderr.write(`no active API key ${id}\n`);
    return 1;
  }
  await store.appendAudit([{ at, actor: 'cli', action: 'apikey.revoke', resource: id, outcome: 'revoked' }]);
  print(`API key ${id} revoked`);
  return 0;
}

async function party(store: Store, v: { id?: string; name?: string; location?: string[] }): Promise<number> {
  if (!v.id || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(v.id) || !v.name || !v.location?.length) throw new UsageError(`--id (letters, digits, . _ -), --name and at least one --location are required\n\n${USAGE}`);
  const at = Date.now();
  const saved = await store.upsertParty({ id: v.id, name: v.name, locations: v.location }, at);
  await store.appendAudit([{ at, actor: 'cli', action: 'party.upsert', resource: v.id, outcome: 'saved', detail: { locations: saved.locations } }]);
  print(`party ${saved.id} (${saved.name}): ${saved.locations.join(', ')}`);
  return 0;
}
