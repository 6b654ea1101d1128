/** Who a request acts as, once authenticated (authenticator.ts), and what it may do. */
import type { Role } from '../store/auth-types.js';
import type { Scope } from './scopes.js';

export interface Principal {
  /** For logs and the audit log: "key:<id>", "oidc:<issuer>#<sub>", or "anonymous" when authentication is off. */
  actor: string;
  role: Role;
  /** The party (grower, distributor) or gateway id. */
  party?: string;
  scopes: ReadonlySet<Scope>;
  /**
   * The locations (ids or prefixes) whose data a party-scoped principal may read; undefined:
   * unlimited (regulators, admins, and everyone when authentication is off).
   */
  locations?: readonly string[];
}

/** Whether a party's location names the locations under it: it ends with "/", ":" or ".". */
export const isLocationPrefix = (location: string): boolean => /[/:.]$/.test(location);

/** Whether `location` is one of `locations`: equal to one, or under one that is a prefix (isLocationPrefix). */
export function locationWithin(location: string, locations: readonly string[]): boolean {
  for (const l of locations) {
    if (location === l) return true;
    if (isLocationPrefix(l) && location.startsWith(l)) return true;
  }
  return false;
}

/** Whether the principal may see data at `location`. */
export function mayReadLocation(p: Principal, location: string): boolean {
  return p.locations === undefined || locationWithin(location, p.locations);
}

/**
 * Who acted, for records such as a recall's initiator or an alert's acknowledger: the
 * authenticated actor, with the name the caller gave in brackets; the given name alone when
 * authentication is off (the anonymous principal).
 */
export function actingAs(p: Principal | undefined, claimed: string | undefined): string {
  if (!p || p.actor === 'anonymous') return claimed ?? 'anonymous';
  return claimed === undefined || claimed === p.actor ? p.actor : `${p.actor} (${claimed})`;
}
