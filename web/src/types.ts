/** The API's answers as the dashboard reads them (schemas in ingest/http/routes/*, OpenAPI at /docs). */

export interface Whoami { actor: string; role: string; party?: string; scopes: string[]; locations?: string[] }
export interface ListedLot {
  id: string; commodity: string; label?: string; createdAt: string;
  freshness?: { remainingDays: number; quality: number; usedFraction: number; through: string };
  holders: Array<{ location: string; since: string }>;
}
export interface Stats { minimum?: number; min: number; max: number; mean: number }
export interface LotHistory {
  id: string; commodity: string; label?: string; createdAt: string;
  events: Array<{ eventId: string; cte: string; time: string; location: string; from?: string; to?: string; quantity?: number; unitOfMeasure?: string; role: string }>;
  custody: Array<{ location: string; from: string; to?: string; readings: { count: number; tempC?: Stats; rh?: Stats } }>;
  freshness?: { remainingDays: number; quality: number; usedFraction: number; waterLossPct: number; chillDegreeHours: number; through: string };
  anchoring: {
    status: 'disabled' | 'not_committed' | 'committed' | 'anchored' | 'final';
    epoch?: number; leafIndex?: number; committedAt?: string; headHash?: string;
    anchors: Array<{ target: string; chainId: string; contract: string; epoch: number; txHash: string; blockNumber: number; status: string }>;
  };
}
export interface ShelfLife {
  freshness: { remainingDays: number; quality: number; flags: string[] };
  history: Array<{ time: string; remainingDays: number; quality: number }>;
}
export interface Reading { gateway: string; sensor: string; location: string; seq: number; /** UTC ms */ ts: number; time: string; tempC?: number; rh?: number }
export interface Commodity { id: string; name: string; bestTempC: number; bestRh: number; shelfLifeDays: number }
export interface Trace {
  lot: string; direction: 'back' | 'forward'; truncated: boolean;
  nodes: Array<{ tlc: string; commodity: string; productDescription?: string; createdAt: string; depth: number }>;
  edges: Array<{ kind: 'transformation' | 'shipment'; from: string; to: string; lot?: string; eventId: string; time: string }>;
  holders: Array<{ lot: string; location: string; since: string }>;
  origins: Array<{ lot: string; via: string; farmLocation?: string; fieldName?: string; harvestDate?: string; time: string }>;
}
export interface RecallNotice { location: string; lots: string[]; heldLots: string[]; notifiedAt: string; acknowledgedAt?: string; acknowledgedBy?: string; note?: string }
export interface Recall {
  id: number; reason: string; classification?: string; initiatedBy: string; createdAt: string; lots: string[]; affectedLots: string[]; truncated: boolean;
  progress?: { locations: number; acknowledged: number }; notices?: RecallNotice[]; acknowledged?: number;
}
export interface Alert {
  id: number; kind: string; severity: 'warning' | 'critical'; gateway?: string; subject?: string; status: 'open' | 'acknowledged' | 'resolved';
  openedAt: string; lastSeenAt: string; occurrences: number; acknowledgedBy?: string; message: string;
}
export interface Gateway {
  id: string; publicKey: string; label?: string; enrolledAt: string; lastSeenAt?: string; lastSeq?: number; batches: number; readings: number;
  revocation?: { effectiveAt: string; reason: string };
}
export interface JoinRequest { id: number; gateway: string; fingerprint: string; label?: string; requestedAt: string; status: string }
export interface AnchorTarget { name: string; chainId: string; contract: string; rpcUrl?: string }
