/**
 * What a party-scoped principal (a grower or a distributor) may read (docs/security.md
 * "Parties"): a lot it has held (custody at one of its locations) or that has an event at one
 * of them; an event at one of its locations; readings and FEFO of its locations. A lot or an
 * event of another party answers 404, as if it did not exist: which lots another business
 * handles is itself confidential.
 */
import { FreshTrailError } from '../../common/errors.js';
import type { LotEvent } from '../events/types.js';
import type { Store } from '../store/types.js';
import { locationWithin, type Principal } from './principal.js';

type ScopeStore = Pick<Store, 'lotCustody' | 'lotEvents' | 'getEvent'>;

const eventLocations = (e: LotEvent): string[] => [e.location, ...(e.from === undefined ? [] : [e.from]), ...(e.to === undefined ? [] : [e.to])];

export async function mayReadLot(p: Principal, lot: string, store: ScopeStore): Promise<boolean> {
  const locations = p.locations;
  if (locations === undefined) return true;
  const custody = await store.lotCustody(lot);
  if (custody.some((c) => locationWithin(c.location, locations))) return true;
  const events = await store.lotEvents(lot);
  return events.some(({ event }) => eventLocations(event).some((l) => locationWithin(l, locations)));
}

export async function assertMayReadLot(p: Principal, lot: string, store: ScopeStore): Promise<void> {
  if (!(await mayReadLot(p, lot, store))) throw new FreshTrailError('FT_ERR_NOT_FOUND', `no lot "${lot}" among the lots of party "${p.party}"`);
}

export function mayReadEvent(p: Principal, event: LotEvent): boolean {
  return p.locations === undefined || eventLocations(event).some((l) => locationWithin(l, p.locations!));
}

export function assertMayUseLocation(p: Principal, location: string): void {
  if (p.locations !== undefined && !locationWithin(location, p.locations)) {
    throw new FreshTrailError('FT_ERR_FORBIDDEN', `location "${location}" is not one of party "${p.party}" (${p.locations.join(', ')})`);
  }
}

/** Events a party may record: every location the event names must be one of its own, except the other end of a shipment or receipt. */
export function assertMayRecordEvent(p: Principal, e: LotEvent): void {
  if (p.locations === undefined) return;
  if (!locationWithin(e.location, p.locations)) {
    throw new FreshTrailError('FT_ERR_FORBIDDEN', `event ${e.eventId} happens at "${e.location}", which is not a location of party "${p.party}"`);
  }
}

/** Whether an alert concerns the party: its subject (a location or a lot) or its details' location is the party's. */
export async function mayReadAlert(p: Principal, alert: { subject?: string; details?: Record<string, unknown> }, store: Pick<Store, 'lotCustody' | 'lotEvents' | 'getEvent' | 'getLot'>): Promise<boolean> {
  const locations = p.locations;
  if (locations === undefined) return true;
  const location = alert.details?.location;
  if (typeof location === 'string' && locationWithin(location, locations)) return true;
  if (alert.subject === undefined) return false;
  if (locationWithin(alert.subject, locations)) return true;
  return (await store.getLot(alert.subject)) !== undefined && (await mayReadLot(p, alert.subject, store));
}

/** What of a recall a party sees: all of it when it started the recall; its own notices when it was notified; nothing otherwise. */
export function recallAsSeenBy<R extends { initiatedBy: string; notices: Array<{ location: string }> }>(p: Principal, recall: R): R | undefined {
  if (p.locations === undefined || recall.initiatedBy === p.actor || recall.initiatedBy.startsWith(`${p.actor} (`)) return recall;
  const own = recall.notices.filter((n) => locationWithin(n.location, p.locations!));
  return own.length === 0 ? undefined : { ...recall, notices: own };
}
