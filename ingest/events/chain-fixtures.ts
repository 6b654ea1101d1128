/**
 * A commingled supply chain as CTE records, for store and route tests: strawberries from farm A
 * and spinach from farm B are packed, shipped to a processor and made into one salad lot, which
 * goes to a distribution centre and is split between two stores by two shipments.
 */
import { cooling, harvesting, initialPacking, receiving, shipping, transformation } from './fixtures.js';

export const FARM_A = 'urn:epc:id:sgln:0614141.00001.0';
export const FARM_B = 'urn:epc:id:sgln:0614142.00001.0';
export const PACK_A = 'urn:epc:id:sgln:0614141.00003.0';
export const PACK_B = 'urn:epc:id:sgln:0614142.00003.0';
export const PROCESSOR = 'urn:epc:id:sgln:0098765.00020.0';
export const DC = 'urn:epc:id:sgln:0098765.00010.0';
export const STORE_1 = 'urn:epc:id:sgln:0555555.00001.0';
export const STORE_2 = 'urn:epc:id:sgln:0555555.00002.0';

export const BERRIES = 'urn:epc:class:lgtin:0614141.107346.LOT-A';
export const SPINACH = 'SPINACH-B-0601';
export const SALAD = 'SALAD-20250603-01';

/** "2025-06-0<day>T<hh:mm>:00-07:00". */
export const at = (day: number, hhmm: string): string => `2025-06-0${day}T${hhmm}:00-07:00`;
export const ms = (day: number, hhmm: string): number => Date.parse(at(day, hhmm));
const date = (day: number): string => `2025-06-0${day}`;

export function packRecord(tlc: string, o: { farm: string; packhouse: string; commodity: string; description: string; contactName?: string }) {
  return {
    ...initialPacking,
    eventTime: at(1, '14:00'),
    traceabilityLotCode: tlc,
    commodity: o.commodity,
    variety: undefined,
    farmLocation: o.farm,
    packingLocation: o.packhouse,
    productDescription: o.description,
    contactName: o.contactName ?? 'Maria Lopez',
  };
}

export function shipRecord(eventId: string, tlc: string, o: { from: string; to: string; day: number; time: string; quantity?: number; description?: string }) {
  return {
    ...shipping,
    eventId,
    eventTime: at(o.day, o.time),
    shipDate: date(o.day),
    traceabilityLotCode: tlc,
    quantity: o.quantity ?? 400,
    productDescription: o.description ?? 'produce',
    shipFromLocation: o.from,
    shipToLocation: o.to,
    tlcSource: o.from,
  };
}

export function receiveRecord(tlc: string, o: { from: string; at: string; day: number; time: string; quantity?: number }) {
  return {
    ...receiving,
    eventTime: at(o.day, o.time),
    receiveDate: date(o.day),
    traceabilityLotCode: tlc,
    quantity: o.quantity ?? 400,
    immediatePreviousSourceLocation: o.from,
    receivingLocation: o.at,
  };
}

/** The whole chain in time order; every record is valid and the TLC rule holds in this order. */
export function commingledChain(): Array<Record<string, unknown>> {
  const records: Array<Record<string, unknown>> = [
    { ...harvesting, farmLocation: FARM_A },
    { ...cooling, farmLocation: FARM_A },
    { ...harvesting, farmLocation: FARM_B, commodity: 'spinach', variety: undefined, fieldName: 'South 2' },
    packRecord(BERRIES, { farm: FARM_A, packhouse: PACK_A, commodity: 'strawberry', description: 'Strawberries, 8 x 1 lb clamshell' }),
    { ...packRecord(SPINACH, { farm: FARM_B, packhouse: PACK_B, commodity: 'spinach', description: 'Baby spinach, 2 lb bag' }), fieldName: 'South 2', coolingLocation: undefined, coolingDate: undefined },
    shipRecord('ship-A', BERRIES, { from: PACK_A, to: PROCESSOR, day: 2, time: '05:00' }),
    shipRecord('ship-B', SPINACH, { from: PACK_B, to: PROCESSOR, day: 2, time: '06:00' }),
    receiveRecord(BERRIES, { from: PACK_A, at: PROCESSOR, day: 2, time: '12:00' }),
    receiveRecord(SPINACH, { from: PACK_B, at: PROCESSOR, day: 2, time: '13:00' }),
    {
      ...transformation,
      eventTime: at(3, '10:00'),
      inputs: [
        { traceabilityLotCode: BERRIES, productDescription: 'Strawberries, 8 x 1 lb clamshell', quantity: 20, unitOfMeasure: 'cases' },
        { traceabilityLotCode: SPINACH, productDescription: 'Baby spinach, 2 lb bag', quantity: 15, unitOfMeasure: 'bags' },
      ],
      outputs: [{ traceabilityLotCode: SALAD, productDescription: 'Spinach strawberry salad, 10 oz', quantity: 300, unitOfMeasure: 'units' }],
    },
    shipRecord('ship-salad-dc', SALAD, { from: PROCESSOR, to: DC, day: 3, time: '16:00', quantity: 300 }),
    receiveRecord(SALAD, { from: PROCESSOR, at: DC, day: 3, time: '20:00', quantity: 300 }),
    shipRecord('ship-salad-s1', SALAD, { from: DC, to: STORE_1, day: 4, time: '05:00', quantity: 100 }),
    shipRecord('ship-salad-s2', SALAD, { from: DC, to: STORE_2, day: 4, time: '06:00', quantity: 200 }),
    receiveRecord(SALAD, { from: DC, at: STORE_1, day: 4, time: '08:00', quantity: 100 }),
    receiveRecord(SALAD, { from: DC, at: STORE_2, day: 4, time: '09:00', quantity: 200 }),
  ];
  // Spread fixtures with an undefined member would still carry the key: drop it (JSON has no undefined).
  return records.map((r) => JSON.parse(JSON.stringify(r)) as Record<string, unknown>);
}
