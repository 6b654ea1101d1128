/**
 * Test support: MQTT credentials of a gateway on an ingest whose embedded broker requires them
 * (mqtt.embedded.requireAuth, default with auth.enabled): an API key of role gateway for the
 * gateway, created in the store as `POST /api/v1/keys {role: 'gateway', party: <id>}` would.
 */
import { generateApiKey } from '../../ingest/auth/api-keys.js';
import type { AuthStore, Role } from '../../ingest/store/auth-types.js';

export interface MqttLogin {
  username: string;
  password: string;
  /** The key id, e.g. to revoke it. */
  keyId: string;
}

/** A new key for `gatewayId` (party), of role gateway unless `role` says otherwise. */
export async function gatewayLogin(store: Pick<AuthStore, 'createApiKey'>, gatewayId: string, options: { role?: Role; party?: string; expiresAt?: number } = {}): Promise<MqttLogin> {
  const key = generateApiKey();
  await store.createApiKey({
    id: key.id,
    label: `test ${gatewayId}`,
    role: options.role ?? 'gateway',
    party: options.party ?? gatewayId,
    scopes: [],
    createdAt: Date.now(),
    createdBy: 'test',
    secretHash: key.secretHash,
    ...(options.expiresAt === undefined ? {} : { expiresAt: options.expiresAt }),
  });
  return { username: gatewayId, password: key.key, keyId: key.id };
}
