/**
 * Roles and scopes of the HTTP API (docs/security.md "Roles"). A role grants a set of scopes;
 * an API key may be limited to a subset of its role's. Growers and distributors are further
 * limited to their party's data (party-scope.ts); regulators read everything and export;
 * admins manage keys, gateways and parties; gateway keys only send batches.
 */
import type { Role } from '../store/auth-types.js';

export const SCOPES = [
  'lots:read', // lots, their history, trace, shelf life, evidence; readings; events; FEFO
  'lots:write', // lot events, lots, moves, shipments
  'exports:read', // FSMA 204 spreadsheet and EPCIS documents
  'recalls:read',
  'recalls:write', // start a recall
  'recalls:acknowledge', // a holder acknowledges a notice
  'alerts:read',
  'alerts:write', // acknowledge, resolve
  'alerts:admin', // deliveries to webhooks and MQTT: list, retry dead letters
  'integrity:read', // gateways' forks, gaps, rejections; service counters
  'gateways:admin', // enroll, revoke, join tokens and requests
  'keys:admin', // API keys and parties
  'privacy:admin', // erase personal data on request
  'audit:read',
  'consumers:admin',
  'metrics:read',
  'batches:write',
] as const;
export type Scope = (typeof SCOPES)[number];

export const ROLE_SCOPES: Record<Role, readonly Scope[]> = {
  grower: ['lots:read', 'lots:write', 'exports:read', 'recalls:read', 'recalls:acknowledge', 'alerts:read', 'alerts:write'],
  distributor: ['lots:read', 'lots:write', 'exports:read', 'recalls:read', 'recalls:write', 'recalls:acknowledge', 'alerts:read', 'alerts:write'],
  regulator: ['lots:read', 'exports:read', 'recalls:read', 'alerts:read', 'integrity:read', 'audit:read'],
  admin: SCOPES.filter((s) => s !== 'batches:write'),
  gateway: ['batches:write'],
};

/** Roles limited to their party's data. */
export const PARTY_SCOPED_ROLES: ReadonlySet<Role> = new Set(['grower', 'distributor']);

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** The scopes a key of `role` limited to `requested` (empty: all of the role's) has; throws naming a scope the role lacks. */
export function effectiveScopes(role: Role, requested: readonly string[]): Set<Scope> {
  const granted = ROLE_SCOPES[role];
  if (requested.length === 0) return new Set(granted);
  const outside = requested.filter((s) => !(granted as readonly string[]).includes(s));
  if (outside.length > 0) throw new Error(`role ${role} has no scope ${outside.join(', ')} (it has ${granted.join(', ')})`);
  return new Set(requested as Scope[]);
}
