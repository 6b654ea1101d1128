/**
 * API authentication at start (docs/security.md "First admin key"): the authenticator, with OIDC
 * when configured, and the first admin key. When the store holds no active admin key the
 * ingest creates one and writes it to auth.adminKeyFile (mode 0600, created exclusively), so
 * a fresh install is secure and usable at once; the key itself is never logged.
 */
import { mkdir, open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { FreshTrailError } from '../../common/errors.js';
import type { Logger } from '../../common/log.js';
import type { IngestConfig } from '../config.js';
import type { AuthStore } from '../store/auth-types.js';
import { generateApiKey } from './api-keys.js';
import { Authenticator } from './authenticator.js';
import { oidcVerifier } from './oidc.js';

const ADMIN_KEY_DAYS = 365;

export interface AuthSetup {
  authenticator?: Authenticator;
  publicMetrics: boolean;
  /** Where the first admin key is written (at the first start on a store without one); undefined when auth is off. */
  adminKeyFile?: string;
}

export async function prepareAuth(config: IngestConfig, store: AuthStore, logger: Logger, now: () => number = Date.now): Promise<AuthSetup> {
  if (!config.auth.enabled) {
    logger.warn('auth.enabled is false: every HTTP request acts as an admin, unauthenticated. For development on one machine only.');
    return { publicMetrics: true };
  }
  let oidc;
  if (config.auth.oidc) {
    try {
      oidc = oidcVerifier(config.auth.oidc);
    } catch (err) {
      throw new FreshTrailError('FT_ERR_CONFIG', `auth.oidc: ${(err as Error).message}`);
    }
  }
  const authenticator = new Authenticator({ store, ...(oidc ? { oidc } : {}), now });
  const adminKeyFile = config.auth.adminKeyFile ?? join(config.dataDir, 'admin.key');
  await ensureAdminKey(adminKeyFile, store, logger, now());
  return { authenticator, publicMetrics: config.auth.publicMetrics, adminKeyFile };
}

async function ensureAdminKey(path: string, store: AuthStore, logger: Logger, at: number): Promise<void> {
  const active = (await store.listApiKeys()).filter((k) => k.role === 'admin' && k.revokedAt === undefined && (k.expiresAt === undefined || k.expiresAt > at));
  if (active.length > 0) return;
  const key = generateApiKey();
  let handle;
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    handle = await open(path, 'wx', 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new FreshTrailError('FT_ERR_CONFIG', code === 'EEXIST'
      ? `the store has no active admin API key and ${path} exists (from another store?): move it away to get a new admin key written there`
      : `cannot write the first admin API key to ${path}: ${code ?? String(err)}`);
  }
  try {
    await handle.chmod(0o600);
    await handle.writeFile(`${key.key}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await store.createApiKey({ id: key.id, label: 'first admin key', role: 'admin', scopes: [], createdAt: at, createdBy: 'system', expiresAt: at + ADMIN_KEY_DAYS * 86_400_000, secretHash: key.secretHash });
  await store.appendAudit([{ at, actor: 'system', action: 'apikey.create', resource: key.id, outcome: 'created', detail: { role: 'admin', file: path } }]);
  logger.warn({ keyId: key.id, file: path }, `created the first admin API key (${key.id}); it is in ${path}, mode 0600: use it as "Authorization: Bearer <key>" and create the other keys with it`);
}
