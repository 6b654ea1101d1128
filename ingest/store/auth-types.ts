/**
 * Store types of API access (issue 7, docs/security.md): API keys (only a hash of the secret is
 * stored), parties (a grower's or distributor's business with the locations it operates, which
 * scope what its users may read), and the append-only audit log, whose entries are chained by
 * hash so that a removed or edited entry shows.
 */

export const ROLES = ['grower', 'distributor', 'regulator', 'admin', 'gateway'] as const;
export type Role = (typeof ROLES)[number];

export interface ApiKeyRecord {
  /** Public part of the key (`ft_<id>_<secret>`), e.g. "k3h9w2m4q8za". */
  id: string;
  label: string;
  role: Role;
  /** The party whose data the key may read (growers, distributors), or the gateway id (gateway keys). */
  party?: string;
  /** Scopes the key is limited to, a subset of its role's; empty: all of the role's. */
  scopes: string[];
  createdAt: number;
  createdBy: string;
  expiresAt?: number;
  revokedAt?: number;
  revokedBy?: string;
  lastUsedAt?: number;
}

export interface NewApiKey {
  id: string;
  label: string;
  role: Role;
  party?: string;
  scopes: readonly string[];
  createdAt: number;
  createdBy: string;
  expiresAt?: number;
  /** SHA-256 of the secret, lowercase hex (api-keys.ts: the secret has 256 bits, so no slow hash is needed). */
  secretHash: string;
}

export interface Party {
  id: string;
  name: string;
  /** Location ids it operates, or prefixes of them (a prefix ends with "/", ":" or "."). */
  locations: string[];
  createdAt: number;
  updatedAt: number;
}

export interface NewAuditEntry {
  at: number;
  /** Who: "key:<id>", "oidc:<issuer>#<sub>", "cli", "system". */
  actor: string;
  role?: string;
  party?: string;
  /** e.g. lot.read, export.fsma204, recall.create, apikey.create, apikey.revoke, gateway.enroll. */
  action: string;
  /** What it was done to: a lot id, a key id, a query. */
  resource: string;
  /** HTTP status or outcome. */
  outcome: string;
  ip?: string;
  detail?: Record<string, unknown>;
}

export interface AuditEntry extends NewAuditEntry {
  id: number;
  /** SHA-256 (hex) of the previous entry's hash and this entry's canonical JSON: audit.ts. */
  hash: string;
  prevHash: string;
}

export interface AuditQuery {
  /** Entries with id > afterId, oldest first. */
  afterId?: number;
  action?: string;
  actor?: string;
  resource?: string;
  limit: number;
}

/** The part of the Store that keeps API keys, parties and the audit log. */
export interface AuthStore {
  /** false when the id is taken (nothing written). */
  createApiKey(key: NewApiKey): Promise<boolean>;
  /** A key with its secret hash, for authentication. */
  apiKeyWithHash(id: string): Promise<(ApiKeyRecord & { secretHash: string }) | undefined>;
  listApiKeys(): Promise<ApiKeyRecord[]>;
  /** false when there is no such key or it was revoked already. */
  revokeApiKey(id: string, by: string, at: number): Promise<boolean>;
  /** Records when a key was last used (callers throttle this). */
  touchApiKey(id: string, at: number): Promise<void>;
  upsertParty(party: Omit<Party, 'createdAt' | 'updatedAt'>, at: number): Promise<Party>;
  getParty(id: string): Promise<Party | undefined>;
  listParties(): Promise<Party[]>;
  /**
   * Appends entries in order, each chained to the one before by hash (one writer at a time,
   * across instances), and returns them as stored. The log has no update or delete.
   */
  appendAudit(entries: readonly NewAuditEntry[]): Promise<AuditEntry[]>;
  listAudit(query: AuditQuery): Promise<AuditEntry[]>;
}
