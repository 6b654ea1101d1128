/**
 * The EPCIS 2.0 export of some lots (docs/events.md §10): their events in EPCIS form and, per
 * custody interval, one sensor_reporting ObjectEvent whose sensorElementList summarizes the
 * readings at the custody location (min, max, mean) — GS1's advice for sensor data in EPCIS is
 * business-level aggregates, not raw series.
 */
import type { LotEvent } from '../events/types.js';
import type { ReadingSummary } from '../store/lot-event-types.js';
import type { CustodyInterval } from '../store/lot-types.js';
import type { Store } from '../store/types.js';
import { epcClassOf, locationUri } from './epcis-ids.js';
import { FRESHTRAIL_NS, toEpcisEvent, type EpcisEvent } from './epcis-events.js';
import { localIso } from './local-time.js';

/** GS1 EPCIS 2.0 §12 JSON-LD context. */
export const EPCIS_CONTEXT = 'https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld';

export interface EpcisDocument {
  '@context': Array<string | Record<string, string>>;
  type: 'EPCISDocument';
  schemaVersion: '2.0';
  creationDate: string;
  epcisBody: { eventList: EpcisEvent[] };
}

const round = (v: number): number => Math.round(v * 100) / 100;

/** The offset of the lot's latest event at or before `ms` (else its first), so a summary is written in local time. */
function offsetAt(events: readonly LotEvent[], ms: number): string {
  let offset = events[0]?.eventTimeZoneOffset ?? '+00:00';
  for (const e of events) if (e.eventTime <= ms) offset = e.eventTimeZoneOffset;
  return offset;
}

/** One sensor_reporting ObjectEvent for a custody interval with readings; eventTime is the interval's end. */
export function sensorSummaryEvent(lot: string, interval: CustodyInterval, toTs: number, summary: ReadingSummary, offset: string): EpcisEvent | undefined {
  if (summary.readings === 0) return undefined;
  const reports: EpcisEvent[] = [];
  if (summary.tempC) reports.push({ type: 'Temperature', minValue: summary.tempC.min, maxValue: summary.tempC.max, meanValue: round(summary.tempC.mean), uom: 'CEL' });
  if (summary.rh) reports.push({ type: 'RelativeHumidity', minValue: summary.rh.min, maxValue: summary.rh.max, meanValue: round(summary.rh.mean), uom: 'P1' });
  if (reports.length === 0) return undefined;
  const where = { id: locationUri(interval.location) };
  return {
    type: 'ObjectEvent',
    eventID: `urn:freshtrail:sensor-summary:${encodeURIComponent(lot)}:${encodeURIComponent(interval.location)}:${interval.fromTs}-${toTs}`,
    eventTime: localIso(toTs, offset),
    eventTimeZoneOffset: offset,
    action: 'OBSERVE',
    bizStep: 'sensor_reporting',
    quantityList: [{ epcClass: epcClassOf(lot) }],
    readPoint: where,
    bizLocation: where,
    sensorElementList: [{
      sensorMetadata: { startTime: localIso(interval.fromTs, offset), endTime: localIso(toTs, offset) },
      sensorReport: reports,
    }],
  };
}

/**
 * The custody summaries of some lots as EPCIS events: their custody intervals read together,
 * then one readings query for every interval of every lot.
 */
async function sensorEvents(store: Store, lots: readonly string[], events: readonly LotEvent[], now: number): Promise<Array<{ time: number; event: EpcisEvent }>> {
  const custody = (await Promise.all(lots.map((lot) => store.lotCustody(lot)))).flatMap((intervals, i) => intervals.map((c) => ({ lot: lots[i]!, c })));
  const spans = custody.map(({ c }) => ({ location: c.location, fromTs: c.fromTs, toTs: c.toTs ?? Math.max(now, c.fromTs) }));
  const summaries = await store.readingSummaries(spans);
  const own = new Map(lots.map((lot) => [lot, events.filter((e) => e.lots.some((l) => l.tlc === lot) || (e.cte === 'transformation' && e.inputs.some((l) => l.tlc === lot)))]));
  return custody.flatMap(({ lot, c }, i) => {
    const event = sensorSummaryEvent(lot, c, spans[i]!.toTs, summaries[i]!, offsetAt(own.get(lot)!, c.fromTs));
    return event ? [{ time: spans[i]!.toTs, event }] : [];
  });
}

/**
 * The document for some lots: `events` (in (eventTime, eventId) order, as the store reads them)
 * and the sensor summaries of each lot's custody, merged in time order; at equal times a lot
 * event comes first, so a re-import sees a lot assigned before it is observed.
 */
export async function epcisExport(store: Store, lots: readonly string[], events: readonly LotEvent[], now: number): Promise<EpcisDocument> {
  const timed = [...events.map((e) => ({ time: e.eventTime, event: toEpcisEvent(e) })), ...(await sensorEvents(store, lots, events, now))];
  timed.sort((a, b) => a.time - b.time); // stable (ES2019): lot events, listed first, stay first at equal times
  return {
    '@context': [EPCIS_CONTEXT, FRESHTRAIL_NS],
    type: 'EPCISDocument',
    schemaVersion: '2.0',
    creationDate: new Date(now).toISOString(),
    epcisBody: { eventList: timed.map((t) => t.event) },
  };
}
