/**
 * The audit log's hash chain (docs/security.md "Audit log"): entry n's hash is
 * SHA-256(hash of entry n−1 ‖ "\n" ‖ canonical JSON of entry n without its hashes), the first
 * entry's previous hash is 64 zeros. Whoever holds an exported log can recompute the chain: an
 * entry removed, reordered or edited breaks it from that entry on. Both stores compute hashes
 * with this module inside the transaction that appends.
 */
import { canonicalJson, type CanonicalValue } from '../../protocol/canonical.js';
import { sha256Hex } from '../../protocol/batch.js';
import type { AuditEntry, NewAuditEntry } from '../store/auth-types.js';

export const AUDIT_GENESIS = '0'.repeat(64);

/** The hashed content of an entry: every field but the hashes, undefined ones left out. */
function content(id: number, e: NewAuditEntry): CanonicalValue {
  return { id, at: e.at, actor: e.actor, role: e.role, party: e.party, action: e.action, resource: e.resource, outcome: e.outcome, ip: e.ip, detail: e.detail as CanonicalValue | undefined };
}

export function auditHash(prevHash: string, id: number, e: NewAuditEntry): string {
  return sha256Hex(Buffer.from(`${prevHash}\n${canonicalJson(content(id, e))}`, 'utf8'));
}

/** Entries to append after the entry (id, hash) `last` (undefined on an empty log). */
export function chainAudit(last: { id: number; hash: string } | undefined, entries: readonly NewAuditEntry[]): AuditEntry[] {
  let prevHash = last?.hash ?? AUDIT_GENESIS;
  let id = last?.id ?? 0;
  return entries.map((e) => {
    id++;
    const hash = auditHash(prevHash, id, e);
    const entry: AuditEntry = { ...e, id, prevHash, hash };
    prevHash = hash;
    return entry;
  });
}

/** Problems of a run of consecutive entries (from the first entry, or after a known hash): [] when the chain holds. */
export function verifyAuditChain(entries: readonly AuditEntry[], before: string = AUDIT_GENESIS): string[] {
  const problems: string[] = [];
  let prev = before;
  let prevId = entries[0] ? entries[0].id - 1 : 0;
  for (const e of entries) {
    if (e.id !== prevId + 1) problems.push(`entry ${e.id} follows entry ${prevId}: entries are missing`);
    if (e.prevHash !== prev) problems.push(`entry ${e.id} does not link to the entry before it`);
    if (auditHash(e.prevHash, e.id, e) !== e.hash) problems.push(`entry ${e.id} was changed after it was written`);
    prev = e.hash;
    prevId = e.id;
  }
  return problems;
}
