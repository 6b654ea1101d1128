/**
 * Migration 4: gateway identity (DESIGN.md "Gateway identity"). A gateway's key can be revoked
 * (from an effective time on, its batches are refused); one-time join tokens, stored only as
 * SHA-256, let a gateway ask to be enrolled; the operator approves or rejects each request.
 */
import type { Migration } from './index.js';

export const gatewayIdentity: Migration = {
  version: 4,
  name: 'gateway-identity',
  sql: `
-- NULL while the key is valid. revoked_at is the effective time compared with a batch's signed createdAt.
ALTER TABLE gateways ADD COLUMN revoked_at INTEGER;
ALTER TABLE gateways ADD COLUMN revocation_reason TEXT;
ALTER TABLE gateways ADD COLUMN revocation_recorded_at INTEGER;

-- The token itself is never stored: a copy of this table must not let anyone join.
CREATE TABLE join_tokens (
  hash       TEXT PRIMARY KEY,
  label      TEXT,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at    INTEGER
);

-- AUTOINCREMENT: an id an operator saw is never reused for another request.
CREATE TABLE join_requests (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  gateway      TEXT NOT NULL,
  public_key   TEXT NOT NULL,
  label        TEXT,
  token_hash   TEXT NOT NULL REFERENCES join_tokens(hash),
  token_label  TEXT,
  requested_at INTEGER NOT NULL,
  status       TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
  decided_at   INTEGER
);
CREATE INDEX join_requests_status ON join_requests (status, id);
`,
};
