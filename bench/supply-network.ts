/**
 * A deterministic (seeded) produce supply network as FreshTrail CTE records (docs/events.md §1),
 * for `freshtrail bench trace`: farms harvest and cool, packers pack (assigning the first TLC),
 * processors wash and cut each packed lot and commingle cut lots of several farms into salad
 * mixes, distribution centres receive and split lots between stores, stores receive.
 *
 * Two kinds of unit, spread evenly over `days`:
 *  - a whole lot (mango, tomato, …): harvesting, cooling, initial packing, packer → DC shipping
 *    and receiving, then 1–3 DC → store shipments and receipts (a split): 1 lot, ~9 events;
 *  - a processing run at one processor: 12 packed lots of 12 farms (5 events each: harvesting,
 *    cooling, packing, shipping to the processor, receiving), 12 wash-and-cut transformations
 *    (1 → 1), 8 mix transformations (4 cut lots of different farms → 2 mix lots), and each mix
 *    lot shipped to a DC and split between 1–3 stores: 40 lots, ~176 events.
 * The defaults give 1,000,000 lots and about 5,320,000 events. Records come in chunks; recorded
 * in order, every chunk satisfies the TLC rule (a referenced TLC was assigned earlier).
 */
import { createRng } from '../firmware-sim/random.js';

export interface SupplyNetworkOptions {
  seed: number;
  /** Processing runs (40 lots each). */
  processingRuns: number;
  /** Whole lots (1 lot each). */
  wholeLots: number;
  /** Days the harvests spread over. */
  days: number;
}

export const BENCH_NETWORK: SupplyNetworkOptions = { seed: 6, processingRuns: 20_000, wholeLots: 200_000, days: 360 };

/** Records of one unit, in an order the TLC rule accepts, and the TLCs the unit assigned. */
export interface NetworkChunk {
  records: Array<Record<string, unknown>>;
  lots: string[];
}

const FARMS = 2_000;
const PACKERS = 300;
const PROCESSORS = 40;
const DCS = 60;
const STORES = 4_000;
const RUN_PACKED = 12;
const RUN_MIXES = 8;
const MIX_INPUTS = 4;
const MIX_OUTPUTS = 2;

const WHOLE = ['mango', 'tomato', 'avocado', 'cucumber', 'bell pepper', 'cantaloupe', 'strawberry', 'lettuce'];
const LEAFY = ['romaine', 'spinach', 'kale', 'arugula', 'red cabbage', 'carrot', 'green leaf lettuce', 'chard'];
const MIXES = ['Garden salad, 12 oz', 'Spring mix, 5 oz', 'Power greens, 10 oz', 'Caesar kit, 11 oz'];

/** A seeded uniform source in [0, 1) (mulberry32, shared with the simulator): the network is the same on every platform. */
export const prng = (seed: number): (() => number) => createRng(seed).uniform;

const pad = (n: number, width: number): string => String(n).padStart(width, '0');
const sgln = (prefix: string, n: number): string => `urn:epc:id:sgln:${prefix}.${pad(n, 5)}.0`;
const farm = (n: number): string => sgln(`06${pad(14141 + Math.floor(n / 100), 5)}`, n % 100);
const cooler = (n: number): string => sgln(`06${pad(14141 + Math.floor(n / 100), 5)}`, 100 + (n % 100));
const packer = (n: number): string => sgln('0720001', n);
const processor = (n: number): string => sgln('0730002', n);
const dc = (n: number): string => sgln('0098765', n);
const store = (n: number): string => sgln('0555555', n);

const OFFSET = '-07:00';
const DAY0 = Date.parse('2025-01-01T00:00:00-07:00');
/** Local date (at -07:00) of day `d` after 2025-01-01. */
const date = (d: number): string => new Date(DAY0 + d * 86_400_000 - 7 * 3_600_000).toISOString().slice(0, 10);
const at = (d: number, minutes: number): string => {
  const local = new Date(DAY0 + d * 86_400_000 + minutes * 60_000 - 7 * 3_600_000).toISOString().slice(0, 16);
  return `${local}:00${OFFSET}`;
};

/** Generates the network unit by unit; the same options always give the same records. */
export function* supplyNetwork(options: SupplyNetworkOptions): Generator<NetworkChunk> {
  const random = prng(options.seed);
  const pick = (n: number): number => Math.floor(random() * n);
  let seq = 0;
  const id = (kind: string): string => `${kind}-${pad(seq++, 8)}`;
  const units = options.processingRuns + options.wholeLots;
  let runs = 0;

  /** harvesting, cooling, initial packing of one lot at `pack` from farm `f`; packing minute offset `m`. */
  const packed = (tlc: string, f: number, pack: string, commodity: string, description: string, d: number, m: number): Array<Record<string, unknown>> => {
    const field = `Field ${1 + (f % 9)}`;
    const bins = 20 + pick(100);
    const business = `Farm ${pad(f, 4)} LLC`;
    const harvest = { farmLocation: farm(f), commodity, harvestDate: date(d) };
    return [
      {
        cte: 'harvesting', eventId: id('hv'), eventTime: at(d, 360 + m), ...harvest, fieldName: field, subsequentRecipientLocation: cooler(f),
        quantity: bins, unitOfMeasure: 'bins', referenceDocuments: [{ type: 'harvest log', number: `HL-${seq}` }],
        harvesterBusinessName: business, harvesterPhone: `+1 831 555 ${pad(f % 10_000, 4)}`,
      },
      {
        cte: 'cooling', eventId: id('cl'), eventTime: at(d, 540 + m), farmLocation: farm(f), commodity, coolingLocation: cooler(f), coolingDate: date(d),
        subsequentRecipientLocation: pack, quantity: bins, unitOfMeasure: 'bins', referenceDocuments: [{ type: 'cooling log', number: `CL-${seq}` }],
      },
      {
        cte: 'initial_packing', eventId: id('pk'), eventTime: at(d, 840 + m), ...harvest, fieldName: field, receivedDate: date(d), receivedQuantity: bins,
        receivedUnitOfMeasure: 'bins', harvesterBusinessName: business, harvesterPhone: `+1 831 555 ${pad(f % 10_000, 4)}`, coolingLocation: cooler(f),
        coolingDate: date(d), traceabilityLotCode: tlc, productDescription: description, quantity: bins * 10, unitOfMeasure: 'cases', packingLocation: pack,
        packingDate: date(d), referenceDocuments: [{ type: 'production log', number: `PK-${seq}` }], contactName: 'Packing lead',
      },
    ];
  };
  const ship = (tlc: string, from: string, to: string, d: number, minute: number, quantity: number, description: string): Record<string, unknown> => ({
    cte: 'shipping', eventId: id('sh'), eventTime: at(d, minute), traceabilityLotCode: tlc, quantity, unitOfMeasure: 'cases', productDescription: description,
    shipFromLocation: from, shipToLocation: to, shipDate: date(d), tlcSource: from, referenceDocuments: [{ type: 'BOL', number: `BOL-${seq}` }],
  });
  const receive = (tlc: string, from: string, to: string, d: number, minute: number, quantity: number, description: string): Record<string, unknown> => ({
    cte: 'receiving', eventId: id('rc'), eventTime: at(d, minute), traceabilityLotCode: tlc, quantity, unitOfMeasure: 'cases', productDescription: description,
    immediatePreviousSourceLocation: from, receivingLocation: to, receiveDate: date(d), tlcSource: from, referenceDocuments: [{ type: 'BOL', number: `BOL-${seq - 1}` }],
  });
  /** DC receipt, then a split between 1–3 stores the next morning. */
  const distribute = (tlc: string, from: string, d: number, quantity: number, description: string): Array<Record<string, unknown>> => {
    const hub = dc(pick(DCS));
    const records = [ship(tlc, from, hub, d, 960, quantity, description), receive(tlc, from, hub, d, 1200, quantity, description)];
    const stores = 1 + pick(3);
    const share = Math.max(1, Math.floor(quantity / stores));
    for (let s = 0; s < stores; s++) {
      const shop = store(pick(STORES));
      records.push(ship(tlc, hub, shop, d + 1, 300 + s, share, description), receive(tlc, hub, shop, d + 1, 480 + s, share, description));
    }
    return records;
  };

  for (let unit = 0; unit < units; unit++) {
    const d = Math.floor((unit * options.days) / units);
    // Processing runs interleave evenly with whole lots.
    const isRun = runs < options.processingRuns && (unit + 1) * options.processingRuns >= (runs + 1) * units;
    if (!isRun) {
      const commodity = WHOLE[pick(WHOLE.length)]!;
      const tlc = `urn:epc:class:lgtin:0720001.1${pad(pick(10_000), 5)}.W${pad(unit, 7)}`;
      const pack = packer(pick(PACKERS));
      const description = `${commodity}, 10 kg case`;
      const records = [...packed(tlc, pick(FARMS), pack, commodity, description, d, pick(60)), ...distribute(tlc, pack, d + 1, 200 + pick(400), description)];
      yield { records, lots: [tlc] };
      continue;
    }
    const run = runs++;
    const plant = processor(pick(PROCESSORS));
    const records: Array<Record<string, unknown>> = [];
    const lots: string[] = [];
    const cut: Array<{ tlc: string; farm: number }> = [];
    const firstFarm = pick(FARMS);
    for (let i = 0; i < RUN_PACKED; i++) {
      const f = (firstFarm + i * 97) % FARMS; // 12 different farms
      const commodity = LEAFY[(run + i) % LEAFY.length]!;
      const tlc = `PK-${pad(run, 6)}-${pad(i, 2)}`;
      const pack = packer(pick(PACKERS));
      const description = `${commodity}, bulk carton`;
      records.push(...packed(tlc, f, pack, commodity, description, d, i), ship(tlc, pack, plant, d + 1, 300 + i, 100, description), receive(tlc, pack, plant, d + 1, 600 + i, 100, description));
      const cutTlc = `CUT-${pad(run, 6)}-${pad(i, 2)}`;
      records.push({
        cte: 'transformation', eventId: id('tf'), eventTime: at(d + 2, 360 + i), transformationLocation: plant, transformationDate: date(d + 2),
        inputs: [{ traceabilityLotCode: tlc, productDescription: description, quantity: 100, unitOfMeasure: 'cases' }],
        outputs: [{ traceabilityLotCode: cutTlc, productDescription: `${commodity}, washed and cut`, quantity: 900, unitOfMeasure: 'kg' }],
        referenceDocuments: [{ type: 'production log', number: `WC-${seq}` }],
      });
      lots.push(tlc, cutTlc);
      cut.push({ tlc: cutTlc, farm: f });
    }
    for (let m = 0; m < RUN_MIXES; m++) {
      const start = pick(RUN_PACKED);
      const inputs = Array.from({ length: MIX_INPUTS }, (_, k) => cut[(start + k * 3) % RUN_PACKED]!); // 4 different cut lots
      const description = MIXES[pick(MIXES.length)]!;
      const outputs = Array.from({ length: MIX_OUTPUTS }, (_, k) => `urn:epc:class:lgtin:0730002.2${pad(m, 4)}.MX${pad(run, 6)}${k}`);
      records.push({
        cte: 'transformation', eventId: id('tf'), eventTime: at(d + 2, 600 + m), transformationLocation: plant, transformationDate: date(d + 2),
        inputs: inputs.map((c) => ({ traceabilityLotCode: c.tlc, productDescription: 'washed and cut', quantity: 50 + pick(100), unitOfMeasure: 'kg' })),
        outputs: outputs.map((tlc) => ({ traceabilityLotCode: tlc, productDescription: description, quantity: 500, unitOfMeasure: 'units' })),
        referenceDocuments: [{ type: 'production log', number: `MX-${seq}` }],
      });
      for (const tlc of outputs) {
        records.push(...distribute(tlc, plant, d + 2, 500, description));
        lots.push(tlc);
      }
    }
    yield { records, lots };
  }
}
