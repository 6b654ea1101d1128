/**
 * Store types of lots (issue 5): a lot of one commodity, where it was when (custody intervals),
 * and its freshness as the shelf-life model computes it from the readings of those locations.
 * Issue 6 derives custody from traceability events; until then the API records it directly.
 */

export interface Lot {
  /** Traceability lot code or any id unique in the deployment. */
  id: string;
  /** A commodity id of models/commodities.ts. */
  commodity: string;
  label?: string;
  createdAt: number;
}

/** The lot was at `location` from `fromTs` until `toTs` (undefined: still there). UTC ms. */
export interface CustodyInterval {
  lot: string;
  location: string;
  fromTs: number;
  toTs?: number;
}

/** A custody interval with the commodity of its lot (what the shelf-life model and the alert rules need). */
export type HeldCustody = CustodyInterval & { commodity: string };

export interface NewLot extends Lot {
  /** Where the lot is at `createdAt`: its first custody interval starts there. */
  location: string;
}

export type CreateLotResult =
  | { status: 'created'; lot: Lot }
  /** The same id with the same commodity: nothing changed. */
  | { status: 'exists'; lot: Lot }
  /** The id is taken by a lot of another commodity: nothing changed. */
  | { status: 'conflict'; lot: Lot };

export type MoveLotResult =
  | { status: 'moved'; custody: CustodyInterval }
  /** Already at that location since an earlier time: nothing changed. */
  | { status: 'unchanged'; custody: CustodyInterval }
  /** `at` is before the start of the current interval: custody cannot be rewritten. */
  | { status: 'out_of_order'; custody: CustodyInterval };

/** A lot's freshness after the readings up to `throughTs` (models/signature.ts STATE and outputs). */
export interface LotFreshness {
  lot: string;
  usedFraction: number;
  waterLossPct: number;
  chillDegreeHours: number;
  quality: number;
  remainingDays: number;
  throughTs: number;
}

/** One point of a lot's freshness history. */
export type FreshnessPoint = Omit<LotFreshness, 'lot' | 'throughTs'> & { ts: number };

/** Where a location's reading series stands (ingest/shelf-life/location-series.ts). */
export interface LocationPoint {
  location: string;
  ts?: number;
  tempC?: number;
  rh?: number;
  rhTs?: number;
}

/** What one shelf-life update writes, in one transaction. */
export interface ShelfLifeUpdate {
  series: LocationPoint[];
  freshness: LotFreshness[];
  history: Array<FreshnessPoint & { lot: string }>;
}

/** A lot on its way to a destination. */
export interface Shipment {
  id: string;
  lot: string;
  destination: string;
  /** Expected arrival, UTC ms. */
  eta: number;
  /** Planned transit temperature, °C. */
  transitTempC: number;
  /** The receiver's minimum remaining shelf life on arrival, days. */
  minDaysOnArrival?: number;
  createdAt: number;
}

export type CreateShipmentResult = { status: 'created' | 'exists' | 'conflict'; shipment: Shipment };

/** A lot as the dashboard's overview lists it (GET /api/v1/lots): its freshness and who holds it now. */
export interface ListedLot {
  lot: Lot;
  /** Absent until the shelf-life consumer has computed it. */
  freshness?: LotFreshness;
  /** Open custody intervals: where the lot is now (none once it left every tracked location). */
  holders: CustodyInterval[];
}

/**
 * Which lots a listing covers: those that have been held (a custody interval, open or closed) at
 * one of these locations — each an exact location, or a prefix when it ends in "/", ":" or "."
 * (auth/principal.ts locationWithin). Absent: every lot.
 */
export interface LocationScope {
  locations: readonly string[];
}
