/**
 * Identifiers as the EPCIS export writes them (docs/events.md §10). EPCIS 2.0 wants URIs for
 * classes, locations, parties and event ids, and UN/ECE Rec 20 codes for units; FreshTrail keeps
 * ids as given, so anything that is not already a URI goes into a FreshTrail URN namespace.
 */
import { tlcToEpcClass } from '../events/lgtin.js';

/** RFC 3986 §3.1: a scheme, then ":". */
const HAS_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

const urn = (kind: string, id: string): string => `urn:freshtrail:${kind}:${encodeURIComponent(id)}`;

/** A TLC as epcClass: an LGTIN URN or Digital Link as given (lgtin.ts), else `urn:freshtrail:tlc:<tlc>`. */
export const epcClassOf = (tlc: string): string => tlcToEpcClass(tlc) ?? urn('tlc', tlc);

/** A location or party id as given when it is a URI (SGLN URN, Digital Link), else `urn:freshtrail:location:<id>`. */
export const locationUri = (id: string): string => (HAS_SCHEME.test(id) ? id : urn('location', id));

/** An event id as given when it is a URI (derived ids are `ni:` URIs), else `urn:freshtrail:event:<id>`. */
export const eventUri = (id: string): string => (HAS_SCHEME.test(id) ? id : urn('event', id));

/** The class of a harvest's quantity before any TLC exists: farm, commodity and the day the store keys harvests by. */
export const harvestClass = (farm: string, commodity: string, day: string): string =>
  `urn:freshtrail:harvest:${encodeURIComponent(farm)}:${encodeURIComponent(commodity)}:${day}`;

/** UN/ECE Recommendation 20 codes of common plain units; EPCIS `uom` must be such a code. */
const REC20: Record<string, string> = {
  kg: 'KGM', kgs: 'KGM', kilogram: 'KGM', kilograms: 'KGM',
  lb: 'LBR', lbs: 'LBR', pound: 'LBR', pounds: 'LBR',
  g: 'GRM', gram: 'GRM', grams: 'GRM',
  case: 'CS', cases: 'CS',
  bag: 'BG', bags: 'BG',
  box: 'BX', boxes: 'BX',
  each: 'EA', unit: 'EA', units: 'EA', piece: 'EA', pieces: 'EA',
};

/** A Rec 20 code for a unit: a 2–3 character code as given, a known plain unit mapped, else undefined (left out). */
export function uomOf(unit: string | undefined): string | undefined {
  if (unit === undefined) return undefined;
  if (/^[A-Z0-9]{2,3}$/.test(unit)) return unit;
  return REC20[unit.trim().toLowerCase()];
}

/** CBV 2.0 business transaction types (BTT); other document types go to a FreshTrail URN. */
const BTT = new Set(['bol', 'cert', 'desadv', 'inv', 'pedigree', 'po', 'poc', 'prodorder', 'recadv', 'rma', 'testprd', 'testres', 'upevt']);

export function bizTransactionType(type: string): string {
  const term = type.trim().toLowerCase();
  if (BTT.has(term)) return term;
  return HAS_SCHEME.test(type) ? type : urn('btt', type);
}
