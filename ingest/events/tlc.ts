/**
 * The traceability lot code rule (21 CFR 1.1320): a TLC is assigned only when food is initially
 * packed, received from a shipper the rule does not apply to (§1.1345(b)(1)), or transformed
 * (first land-based receiving is out of scope); shipping and the other CTEs must not assign a
 * new one (§1.1320(b)). Harvesting and cooling happen before a TLC exists and touch none.
 *
 * This module has no store, so it states per event which TLCs it assigns and which it
 * references; the store enforces "a referenced TLC must exist, an assigned TLC must be new".
 */
import { FreshTrailError } from '../../common/errors.js';
import type { LotEvent } from './types.js';

export interface TlcRole {
  /** TLCs this event creates: none may exist before it. */
  assigns: string[];
  /** TLCs this event needs: each must have been assigned by an earlier event. */
  references: string[];
}

const unique = (tlcs: string[]): string[] => [...new Set(tlcs)];

export function tlcRole(event: LotEvent): TlcRole {
  const tlcs = unique(event.lots.map((l) => l.tlc));
  switch (event.cte) {
    case 'harvesting':
    case 'cooling':
      return { assigns: [], references: [] };
    case 'initial_packing':
      return { assigns: tlcs, references: [] };
    case 'transformation':
      return { assigns: unique(event.outputs.map((l) => l.tlc)), references: unique(event.inputs.map((l) => l.tlc)) };
    case 'receiving':
      // §1.1345(b): from an exempt shipper the food enters traceability here, whether the
      // receiver assigned the TLC or the exempt shipper had already given one.
      return event.kdes.shipperExempt === true ? { assigns: tlcs, references: [] } : { assigns: [], references: tlcs };
    case 'shipping':
    case 'observation':
      return { assigns: [], references: tlcs };
  }
}

/** The part of the rule one event can break on its own: a transformation output must be a new
 * lot, so it cannot also be an input (§1.1320(a), §1.1350(a)(2)(i)). */
export function checkTlcRule(event: LotEvent, where: string): void {
  if (event.cte !== 'transformation') return;
  const inputs = new Set(event.inputs.map((l) => l.tlc));
  const both = event.outputs.filter((l) => inputs.has(l.tlc)).map((l) => `"${l.tlc}"`);
  if (both.length > 0) {
    throw new FreshTrailError(
      'FT_ERR_SCHEMA',
      `${where}: TLC ${both.join(', ')} is both an input and an output; a transformation assigns a new TLC to what it makes (21 CFR 1.1320(a), 1.1350(a)(2)(i))`,
    );
  }
}
