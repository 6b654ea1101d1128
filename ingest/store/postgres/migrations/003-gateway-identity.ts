/**
 * PostgreSQL migration 3: gateway identity, as SQLite migration 4
 * (../../migrations/004-gateway-identity.ts): key revocation, join tokens (SHA-256 only), join
 * requests.
 */
import type { Migration } from '../../migrations/index.js';

export const gatewayIdentity: Migration = {
  version: 3,
  name: 'gateway-identity',
  sql: `
ALTER TABLE gateways ADD COLUMN revoked_at BIGINT;
ALTER TABLE gateways ADD COLUMN revocation_reason TEXT;
ALTER TABLE gateways ADD COLUMN revocation_recorded_at BIGINT;

CREATE TABLE join_tokens (
  hash       TEXT COLLATE "C" PRIMARY KEY,
  label      TEXT,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at    BIGINT
);

CREATE TABLE join_requests (
  id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  gateway      TEXT COLLATE "C" NOT NULL,
  public_key   TEXT NOT NULL,
  label        TEXT,
  token_hash   TEXT COLLATE "C" NOT NULL REFERENCES join_tokens(hash),
  token_label  TEXT,
  requested_at BIGINT NOT NULL,
  status       TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
  decided_at   BIGINT
);
CREATE INDEX join_requests_status ON join_requests (status, id);
`,
};
