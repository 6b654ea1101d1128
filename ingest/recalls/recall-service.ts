/**
 * Starting a recall (issue 6, POST /api/v1/recalls): the named lots are traced forward through
 * every transformation to all lots made from them; every location that received or holds any
 * of those lots gets a notice, delivered as a critical `recall` alert through the alert channels
 * (webhooks, MQTT, the event stream: docs/alerts.md), and acknowledged by someone there
 * (POST /api/v1/recalls/{id}/acknowledge), which acknowledges the alert too. Locations that
 * received a lot but no longer hold it are notified as well: the lot may be on a shelf or sold.
 */
import { FreshTrailError } from '../../common/errors.js';
import type { AlertInput } from '../store/integrity-types.js';
import type { LotTrace } from '../store/lot-event-types.js';
import type { NewRecall, Recall, RecallClass, RecallNotice } from '../store/recall-types.js';
import type { Store } from '../store/types.js';

/** How far a recall's forward trace goes: transformation steps, and lineage edges per named lot. */
export const RECALL_TRACE_LIMITS = { maxDepth: 100, maxEdges: 10_000 };

export interface RecallRequest {
  lots: readonly string[];
  reason: string;
  classification?: RecallClass;
  initiatedBy: string;
}

export async function startRecall(store: Store, request: RecallRequest, now: number): Promise<Recall> {
  const lots = [...new Set(request.lots)];
  const found = await Promise.all(lots.map((lot) => store.trace(lot, 'forward', RECALL_TRACE_LIMITS)));
  const unknown = lots.filter((_, i) => !found[i]);
  if (unknown.length > 0) throw new FreshTrailError('FT_ERR_NOT_FOUND', `no lot ${unknown.map((l) => `"${l}"`).join(', ')}: a recall names lots the store knows (GET /api/v1/lots/{id})`);
  const traces = found.filter((t): t is LotTrace => t !== undefined);

  const recall = await store.createRecall(planRecall(request, lots, traces, now));
  const raised = await store.raiseAlerts(recall.notices.map((n) => noticeAlert(recall, n)));
  // The store has no batch link yet: one UPDATE per notice. The recall is not read back: the
  // links just written are all that changed.
  const notices = recall.notices.map((n, i) => ({ ...n, alertId: raised[i]!.alert.id }));
  for (const n of notices) await store.setRecallNoticeAlert(recall.id, n.location, n.alertId);
  return { ...recall, notices };
}

/** The recall's affected lots and one notice per location, from the forward traces of its lots. */
export function planRecall(request: RecallRequest, lots: readonly string[], traces: readonly LotTrace[], now: number): NewRecall {
  const affected = new Set<string>(lots);
  const received = new Map<string, Set<string>>();
  const held = new Map<string, Set<string>>();
  const add = (map: Map<string, Set<string>>, location: string, lot: string) => {
    let set = map.get(location);
    if (!set) map.set(location, (set = new Set()));
    set.add(lot);
  };
  for (const t of traces) {
    for (const node of t.nodes) affected.add(node.tlc);
    for (const visit of t.locations) if (visit.kind === 'received_at' || visit.kind === 'shipped_to') add(received, visit.location, visit.lot);
    for (const holder of t.holders) {
      add(held, holder.location, holder.lot);
      add(received, holder.location, holder.lot);
    }
  }
  const notices = [...received.keys()].sort().map((location) => ({
    location,
    lots: [...received.get(location)!].sort(),
    heldLots: [...(held.get(location) ?? [])].sort(),
  }));
  return {
    reason: request.reason,
    classification: request.classification,
    initiatedBy: request.initiatedBy,
    createdAt: now,
    lots: [...lots],
    affectedLots: [...affected],
    truncated: traces.some((t) => t.truncated),
    notices,
  };
}

function noticeAlert(recall: Recall, n: RecallNotice): AlertInput {
  const held = n.heldLots.length > 0 ? `holds ${n.heldLots.join(', ')}` : `received ${n.lots.join(', ')} (no longer held: check shelves and sales)`;
  return {
    kind: 'recall',
    severity: 'critical',
    subject: n.location,
    dedupeKey: `recall:${recall.id}:${n.location}`,
    message: `Recall ${recall.id}${recall.classification ? ` (class ${recall.classification})` : ''}: ${n.location} ${held}. Reason: ${recall.reason}. Stop selling and set these lots aside, then acknowledge: POST /api/v1/recalls/${recall.id}/acknowledge`,
    details: { recall: recall.id, location: n.location, lots: n.lots, heldLots: n.heldLots, reason: recall.reason, classification: recall.classification },
    at: recall.createdAt,
  };
}

/** A location's acknowledgement of its notice; acknowledges the notice's alert too. */
export async function acknowledgeRecall(store: Store, recallId: number, location: string, ack: { by: string; note?: string }, now: number): Promise<{ notice: RecallNotice; changed: boolean }> {
  const recall = await store.getRecall(recallId);
  if (!recall) throw new FreshTrailError('FT_ERR_NOT_FOUND', `no recall ${recallId}: GET /api/v1/recalls lists them`);
  const result = await store.acknowledgeRecallNotice(recallId, location, { ...ack, at: now });
  if (!result) throw new FreshTrailError('FT_ERR_NOT_FOUND', `recall ${recallId} has no notice for location "${location}"; its notices: ${recall.notices.map((n) => n.location).join(', ') || 'none'}`);
  if (result.changed && result.notice.alertId !== undefined) await store.actOnAlert(result.notice.alertId, { action: 'acknowledge', by: ack.by, at: now, note: ack.note });
  return result;
}
