/**
 * Trace of a lot (lot-event-types.ts `trace`), shared by the SQLite and PostgreSQL stores: the
 * SQL, the row mappers, and {@link traceRounds}, the whole read sequence as a generator of
 * read rounds each backend drives (lot-event-sql.ts {@link ReadRounds}). The harvest link
 * rule ({@link harvestKeysOf}, {@link isHarvestOf}) is shared with the exports (export-sql.ts).
 */
import type { InitialPackingEvent, LotEvent } from '../events/types.js';
import { EVENT_COLUMNS, lotsOfSql, openCustodyOfSql, type Query, type ReadRounds } from './lot-event-sql.js';
import { type Dialect } from './sql-dialect.js';
import type { LotHolder, LotOrigin, LotTrace, LotVisit, ShipmentEdge, TraceDirection, TraceLimits, TraceNode, TransformationEdge } from './lot-event-types.js';
import type { Row } from './sqlite-rows.js';

/**
 * Lineage edges reachable from a lot, each at its smallest depth: one recursive query over the
 * (parent, child) primary key going forward or the (child, parent) index going back. It walks
 * one step beyond maxDepth so that the caller can tell a cut-off walk from a complete one.
 */
export function walkSql(direction: TraceDirection): string {
  const near = direction === 'back' ? 'child_tlc' : 'parent_tlc';
  return `
WITH RECURSIVE walk(parent, child, event_id, depth) AS (
  SELECT parent_tlc, child_tlc, event_id, 1 FROM lot_lineage WHERE ${near} = ?
  UNION
  SELECT l.parent_tlc, l.child_tlc, l.event_id, w.depth + 1
  FROM walk w JOIN lot_lineage l ON l.${near} = w.${direction === 'back' ? 'parent' : 'child'}
  WHERE w.depth <= ?
)
SELECT g.parent, g.child, g.event_id, g.depth, e.event_time
FROM (SELECT parent, child, event_id, MIN(depth) AS depth FROM walk GROUP BY parent, child, event_id) g
JOIN lot_events e ON e.event_id = g.event_id
ORDER BY g.depth, g.parent, g.child, g.event_id LIMIT ?`;
}

/** Shipping and receiving events of a set of lots, in time order. */
export const movementsOfSql = (d: Dialect): string => `
SELECT l.tlc, e.event_id, e.cte, e.event_time, e.location, e.from_location, e.to_location
FROM lot_event_lots l JOIN lot_events e ON e.event_id = l.event_id
WHERE ${d.inSet('l.tlc')} AND l.role = 'subject' AND e.cte IN ('shipping', 'receiving')
ORDER BY e.event_time, e.event_id, l.tlc`;
/**
 * The harvesting and cooling records that may belong to the initial packings that assigned
 * some lots' TLCs: same farm, on the packing's harvest day or its cooling day (isHarvestOf then
 * checks commodity and which day applies), in time order, by (farm, day) on the
 * lot_events_by_harvest index. Read in the same round as the packings themselves.
 */
export const packingHarvestsSql = (d: Dialect): string => `
WITH packings AS (
  SELECT p.harvest_farm AS farm, p.harvest_day AS harvest_day, ${d.jsonText('p.body', ['kdes', 'coolingDate'])} AS cooling_day
  FROM lots l JOIN lot_events p ON p.event_id = l.assigned_by AND p.cte = 'initial_packing'
  WHERE ${d.inSet('l.id')} AND p.harvest_farm IS NOT NULL
), days AS (
  SELECT farm, harvest_day AS day FROM packings WHERE harvest_day IS NOT NULL
  UNION SELECT farm, cooling_day FROM packings WHERE cooling_day IS NOT NULL
)
SELECT DISTINCT h.event_id, h.event_time, h.cte, h.harvest_farm, h.harvest_commodity, h.harvest_day
FROM days JOIN lot_events h ON h.harvest_farm = days.farm AND h.harvest_day = days.day AND h.cte IN ('harvesting', 'cooling')
ORDER BY h.event_time, h.event_id`;
/** The events that assigned some lots' TLCs (lots.assigned_by). */
export const assigningEventsSql = (d: Dialect): string =>
  `SELECT e.event_id, e.body FROM lots l JOIN lot_events e ON e.event_id = l.assigned_by WHERE ${d.inSet('l.id')}`;
/** Harvesting and cooling records of some farms on some days (the lot_events_by_harvest index), in time order. */
export const harvestRecordsSql = (d: Dialect): string => `
SELECT ${EVENT_COLUMNS}, event_time, cte, harvest_farm, harvest_commodity, harvest_day FROM lot_events
WHERE ${d.inSet('harvest_farm')} AND ${d.inSet('harvest_day')} AND cte IN ('harvesting', 'cooling')
ORDER BY event_time, event_id`;

const str = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));

export function toTraceNode(r: Row, depth: number): TraceNode {
  const description = str(r.product_description);
  const assignedBy = str(r.assigned_by);
  return {
    tlc: String(r.id),
    commodity: String(r.commodity),
    ...(description === undefined ? {} : { productDescription: description }),
    createdAt: Number(r.created_at),
    ...(assignedBy === undefined ? {} : { assignedBy }),
    depth,
  };
}

const toTransformationEdge = (r: Row): TransformationEdge & { depth: number } => ({
  kind: 'transformation',
  from: String(r.parent),
  to: String(r.child),
  eventId: String(r.event_id),
  time: Number(r.event_time),
  depth: Number(r.depth),
});

/** Shipping events as shipment edges, and every shipped-to and received-at location as a visit. */
export function movements(rows: readonly Row[]): { shipments: ShipmentEdge[]; visits: LotVisit[] } {
  const shipments: ShipmentEdge[] = [];
  const visits: LotVisit[] = [];
  for (const r of rows) {
    const base = { lot: String(r.tlc), eventId: String(r.event_id), time: Number(r.event_time) };
    if (r.cte === 'shipping') {
      const from = str(r.from_location) ?? String(r.location);
      const to = str(r.to_location);
      if (to !== undefined) {
        shipments.push({ kind: 'shipment', ...base, from, to });
        visits.push({ ...base, location: to, kind: 'shipped_to' });
      }
    } else {
      visits.push({ ...base, location: str(r.to_location) ?? String(r.location), kind: 'received_at' });
    }
  }
  return { shipments, visits };
}

export const toHolder = (r: Row): LotHolder => ({ lot: String(r.lot), location: String(r.location), since: Number(r.from_ts) });

/** Walk rows → edges within maxDepth, the depth of each lot, and whether a limit cut the walk. */
export function walkResult(start: string, rows: readonly Row[], direction: TraceDirection, maxDepth: number, maxEdges: number) {
  const all = rows.map(toTransformationEdge);
  const edges = all.filter((e) => e.depth <= maxDepth);
  const truncated = edges.length < all.length || rows.length > maxEdges;
  const kept = edges.slice(0, maxEdges);
  const depth = new Map<string, number>([[start, 0]]);
  for (const e of kept) {
    const far = direction === 'back' ? e.from : e.to;
    if (!depth.has(far) || depth.get(far)! > e.depth) depth.set(far, e.depth);
  }
  return { edges: kept.map(({ depth: _d, ...e }): TransformationEdge => e), depth, truncated };
}

/** Roots of a back trace: lots with no parent among the edges (a depth-cut lot is no root). */
export function rootIdsOf(depth: ReadonlyMap<string, number>, edges: readonly TransformationEdge[], maxDepth: number, truncated: boolean): Set<string> {
  const withParent = new Set(edges.map((e) => e.to));
  return new Set([...depth].filter(([tlc, d]) => !withParent.has(tlc) && !(truncated && d >= maxDepth)).map(([tlc]) => tlc));
}

/** Farms and days to read harvest records of, from the initial packing events among `events`. */
export function harvestKeysOf(events: readonly LotEvent[]): { farms: string[]; days: string[]; packings: InitialPackingEvent[] } {
  const packings = events.filter((e): e is InitialPackingEvent => e.cte === 'initial_packing' && e.harvest !== undefined);
  const farms = new Set<string>();
  const days = new Set<string>();
  for (const p of packings) {
    farms.add(p.harvest!.farmLocation);
    if (p.harvest!.harvestDate) days.add(p.harvest!.harvestDate);
    if (p.kdes.coolingDate) days.add(p.kdes.coolingDate);
  }
  return { farms: [...farms], days: [...days], packings };
}

/** A harvest record belongs to a packing: same farm and commodity, and the harvest date for
 * harvesting, the cooling date (else the harvest date) for cooling. */
export function isHarvestOf(packing: InitialPackingEvent, r: Row): boolean {
  const h = packing.harvest!;
  if (r.harvest_farm !== h.farmLocation || r.harvest_commodity !== h.commodity) return false;
  return r.cte === 'harvesting' ? r.harvest_day === h.harvestDate : r.harvest_day === (packing.kdes.coolingDate ?? h.harvestDate);
}

/** The origin of each root from the event that assigned its TLC and the harvest records that match it. */
export function originsOf(roots: readonly TraceNode[], assigning: ReadonlyMap<string, LotEvent>, harvestRows: readonly Row[]): LotOrigin[] {
  return roots.map((root): LotOrigin => {
    const event = root.assignedBy === undefined ? undefined : assigning.get(root.assignedBy);
    if (!event) return { lot: root.tlc, via: 'lot_api', time: root.createdAt, harvestEvents: [] };
    const base = { lot: root.tlc, eventId: event.eventId, location: event.location, time: event.eventTime };
    if (event.cte === 'receiving') return { ...base, via: 'exempt_receiving', harvestEvents: [] };
    if (event.cte !== 'initial_packing') return { ...base, via: 'other', harvestEvents: [] };
    const h = event.harvest;
    return {
      ...base,
      via: 'initial_packing',
      ...(h ? { farmLocation: h.farmLocation, commodity: h.commodity } : {}),
      ...(h?.fieldName === undefined ? {} : { fieldName: h.fieldName }),
      ...(h?.harvestDate === undefined ? {} : { harvestDate: h.harvestDate }),
      harvestEvents: h ? harvestRows.filter((r) => isHarvestOf(event, r)).map((r) => String(r.event_id)) : [],
    };
  });
}

/**
 * Two rounds: the recursive walk; then, at once, the nodes, the movements, and either the open
 * custody of every lot (forward) or the events that assigned the roots' TLCs and the harvest
 * records of those that are initial packings (back).
 */
export function* traceRounds(d: Dialect, tlc: string, direction: TraceDirection, limits: TraceLimits): ReadRounds<LotTrace | undefined> {
  const [walkRows] = yield [[walkSql(direction), [tlc, limits.maxDepth, limits.maxEdges + 1]]];
  const walk = walkResult(tlc, walkRows!, direction, limits.maxDepth, limits.maxEdges);
  const ids = d.setParam([...walk.depth.keys()]);
  const common: Query[] = [[lotsOfSql(d), [ids]], [movementsOfSql(d), [ids]]];
  if (direction === 'forward') {
    const [lotRows, movementRows, custodyRows] = yield [...common, [openCustodyOfSql(d), [ids]]];
    const result = traceOf(tlc, direction, limits, walk, lotRows!, movementRows!);
    if (result) result.holders = custodyRows!.map(toHolder);
    return result;
  }
  const rootIds = rootIdsOf(walk.depth, walk.edges, limits.maxDepth, walk.truncated);
  const roots = d.setParam([...rootIds]);
  const [lotRows, movementRows, assigningRows, harvestRows] = yield [...common, [assigningEventsSql(d), [roots]], [packingHarvestsSql(d), [roots]]];
  const result = traceOf(tlc, direction, limits, walk, lotRows!, movementRows!);
  if (!result) return undefined;
  const assigning = new Map(assigningRows!.map((r) => [String(r.event_id), JSON.parse(String(r.body)) as LotEvent]));
  result.origins = originsOf(result.nodes.filter((n) => rootIds.has(n.tlc)), assigning, harvestRows!);
  return result;
}

/** The trace from the walk, its nodes and their movements; undefined if the traced lot does not exist. */
function traceOf(tlc: string, direction: TraceDirection, limits: TraceLimits, walk: ReturnType<typeof walkResult>, lotRows: readonly Row[], movementRows: readonly Row[]): LotTrace | undefined {
  const nodes = lotRows.map((r) => toTraceNode(r, walk.depth.get(String(r.id))!));
  if (!nodes.some((n) => n.tlc === tlc)) return undefined;
  nodes.sort((a, b) => a.depth - b.depth || (a.tlc < b.tlc ? -1 : 1));
  const moved = movements(movementRows);
  return {
    lot: tlc, direction, maxDepth: limits.maxDepth, truncated: walk.truncated, nodes,
    edges: [...walk.edges, ...moved.shipments], locations: moved.visits, holders: [], origins: [],
  };
}
