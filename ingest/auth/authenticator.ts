/**
 * Turns an Authorization header into a Principal (docs/security.md "Authentication"): an API key
 * (`Bearer ft_<id>_<secret>`, api-keys.ts) or an OIDC access token (`Bearer <JWT>`, oidc.ts).
 * Every refusal names what to fix and is counted by reason; none says whether a key id exists
 * with another secret (both are "unknown or wrong key").
 */
import { FreshTrailError } from '../../common/errors.js';
import type { AuthStore, Role } from '../store/auth-types.js';
import { parseApiKey, secretMatches } from './api-keys.js';
import type { OidcVerifier } from './oidc.js';
import type { Principal } from './principal.js';
import { effectiveScopes, PARTY_SCOPED_ROLES } from './scopes.js';

/** A key's last use is written at most this often (a write per request would dominate reads). */
const TOUCH_INTERVAL_MS = 60_000;

export type AuthFailureReason = 'missing' | 'malformed' | 'unknown_key' | 'revoked' | 'expired' | 'invalid_token' | 'no_role' | 'unknown_party';

export class AuthenticationError extends FreshTrailError {
  constructor(readonly reason: AuthFailureReason, message: string) {
    super('FT_ERR_UNAUTHENTICATED', message);
  }
}

export interface AuthenticatorOptions {
  store: Pick<AuthStore, 'apiKeyWithHash' | 'touchApiKey' | 'getParty'>;
  oidc?: OidcVerifier;
  now?: () => number;
}

export class Authenticator {
  private readonly touched = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly options: AuthenticatorOptions) {
    this.now = options.now ?? Date.now;
  }

  async authenticate(authorization: string | undefined): Promise<Principal> {
    if (!authorization) throw new AuthenticationError('missing', 'send Authorization: Bearer <API key or OIDC access token>');
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!m) throw new AuthenticationError('malformed', 'the Authorization header must be "Bearer <API key or OIDC access token>"');
    const token = m[1]!;
    if (token.startsWith('ft_')) return this.fromApiKey(token);
    if (!this.options.oidc) throw new AuthenticationError('malformed', 'not a FreshTrail API key (ft_…), and this ingest accepts no OIDC tokens (auth.oidc is not configured)');
    const claims = await this.options.oidc.verify(token).catch((err: unknown) => {
      throw new AuthenticationError('invalid_token', `the OIDC token is not valid: ${(err as Error).message}`);
    });
    return this.principal(claims.actor, claims.role, claims.party, []);
  }

  private async fromApiKey(token: string): Promise<Principal> {
    const parsed = parseApiKey(token);
    if (!parsed) throw new AuthenticationError('malformed', 'a FreshTrail API key has the form ft_<12 characters>_<43 characters>');
    const key = await this.options.store.apiKeyWithHash(parsed.id);
    if (!key || !secretMatches(parsed.secret, key.secretHash)) throw new AuthenticationError('unknown_key', `unknown or wrong API key ft_${parsed.id}_…`);
    const now = this.now();
    if (key.revokedAt !== undefined && key.revokedAt <= now) throw new AuthenticationError('revoked', `API key ${key.id} was revoked at ${new Date(key.revokedAt).toISOString()}; ask an admin for a new one`);
    if (key.expiresAt !== undefined && key.expiresAt <= now) throw new AuthenticationError('expired', `API key ${key.id} expired at ${new Date(key.expiresAt).toISOString()}; ask an admin for a new one`);
    if ((this.touched.get(key.id) ?? -Infinity) + TOUCH_INTERVAL_MS <= now) {
      this.touched.set(key.id, now);
      await this.options.store.touchApiKey(key.id, now);
    }
    return this.principal(`key:${key.id}`, key.role, key.party, key.scopes);
  }

  private async principal(actor: string, role: Role, party: string | undefined, scopes: readonly string[]): Promise<Principal> {
    const principal: Principal = { actor, role, scopes: effectiveScopes(role, scopes), ...(party === undefined ? {} : { party }) };
    if (!PARTY_SCOPED_ROLES.has(role)) return principal;
    const found = party === undefined ? undefined : await this.options.store.getParty(party);
    if (!found) {
      throw new AuthenticationError('unknown_party', party === undefined
        ? `a ${role} acts for a party, and these credentials name none`
        : `party "${party}" is not registered: an admin registers it with its locations (POST /api/v1/parties)`);
    }
    return { ...principal, locations: found.locations };
  }
}
