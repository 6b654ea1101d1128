/**
 * The export-reads part of the Store contract (export-types.ts), run against every
 * implementation; `open` returns a fresh, empty store.
 */
import { describe, expect, it } from 'vitest';
import { BERRIES, commingledChain, SALAD, SPINACH } from '../events/chain-fixtures.js';
import { parseCteRecord } from '../events/cte.js';
import type { LotEvent } from '../events/types.js';
import { T0 } from '../test-helpers.js';
import { storePerTest, type OpenedStore } from './store-contract.js';
import type { Store } from './types.js';

const chain = (): LotEvent[] => commingledChain().map(parseCteRecord);
const ids = (events: ReadonlyArray<{ event: LotEvent }>): string[] => events.map((e) => e.event.eventId);
/** (eventTime, eventId in byte order), the order every export read promises. */
const ordered = (events: readonly LotEvent[]): string[] =>
  [...events].sort((a, b) => a.eventTime - b.eventTime || Buffer.compare(Buffer.from(a.eventId), Buffer.from(b.eventId))).map((e) => e.eventId);

export function describeExportContract(name: string, open: () => Promise<OpenedStore>): void {
  describe(`Store contract, export reads: ${name}`, () => {
    let store: Store;
    storePerTest(open, (s) => (store = s));

    it('reads the events of lots with the harvest records of their packings, each once, in (time, id) order, with contacts', async () => {
      const events = chain();
      await store.recordEvents(events, T0);
      const berries = await store.eventsOfLots([BERRIES]);
      const expected = events.filter((e) =>
        e.cte === 'harvesting' || e.cte === 'cooling'
          ? e.harvest!.farmLocation === events.find((p) => p.cte === 'initial_packing' && p.lots[0]!.tlc === BERRIES)!.harvest!.farmLocation
          : [...e.lots, ...(e.cte === 'transformation' ? e.inputs : [])].some((l) => l.tlc === BERRIES),
      );
      expect(ids(berries)).toEqual(ordered(expected));
      // The cooling record has no eventTime: it sits at local midnight of its date, before the harvest.
      expect(berries.map((e) => e.event.cte)).toEqual(['cooling', 'harvesting', 'initial_packing', 'shipping', 'receiving', 'transformation']);
      // Contacts come with the events; erased ones come back empty.
      const packing = berries.find((e) => e.event.cte === 'initial_packing')!;
      expect(packing.event.contacts).toEqual({ harvesterPhone: '+1 831 555 0142', contactName: 'Maria Lopez' });
      await store.eraseEventContacts(packing.event.eventId);
      expect((await store.eventsOfLots([BERRIES])).find((e) => e.event.cte === 'initial_packing')!.event.contacts).toEqual({});

      // Two lots sharing a transformation: that event once.
      const both = await store.eventsOfLots([BERRIES, SPINACH, SALAD]);
      expect(new Set(ids(both)).size).toBe(both.length);
      expect(both.filter((e) => e.event.cte === 'transformation')).toHaveLength(1);
      expect(ids(both)).toEqual(ordered(events)); // the whole chain is about these three lots
      expect(await store.eventsOfLots(['NO-SUCH-LOT'])).toEqual([]);
      expect(await store.eventsOfLots([])).toEqual([]);
    });

    it('pages through a time range in (time, id) order without gaps or repeats, equal times ordered by id', async () => {
      const events = chain();
      // Three events at one instant: only the id orders them.
      const same = events.filter((e) => e.cte === 'shipping').slice(0, 1).flatMap((ship) => [
        { ...ship, eventId: 'same-b' }, { ...ship, eventId: 'same-a' }, { ...ship, eventId: 'same-C' },
      ]) as LotEvent[];
      await store.recordEvents([...events, ...same], T0);
      const all = [...events, ...same];
      const fromTs = Math.min(...all.map((e) => e.eventTime));
      const toTs = Math.max(...all.map((e) => e.eventTime)) + 1;
      const seen: string[] = [];
      let after: { eventTime: number; eventId: string } | undefined;
      for (;;) {
        const page = await store.eventsInRange({ fromTs, toTs, limit: 4, ...(after ? { after } : {}) });
        if (page.length === 0) break;
        expect(page.length).toBeLessThanOrEqual(4);
        seen.push(...ids(page));
        const last = page[page.length - 1]!.event;
        after = { eventTime: last.eventTime, eventId: last.eventId };
      }
      expect(seen).toEqual(ordered(all));
      expect(seen.filter((id) => id.startsWith('same-'))).toEqual(['same-C', 'same-a', 'same-b']);

      // The range is half-open: an event at toTs is out, one at fromTs is in.
      const first = ordered(all)[0]!;
      const firstTime = all.find((e) => e.eventId === first)!.eventTime;
      expect(ids(await store.eventsInRange({ fromTs: firstTime, toTs: firstTime + 1, limit: 10 }))).toEqual(
        ordered(all.filter((e) => e.eventTime === firstTime)),
      );
      expect(await store.eventsInRange({ fromTs: firstTime, toTs: firstTime, limit: 10 })).toEqual([]);
      const withContacts = (await store.eventsInRange({ fromTs, toTs, limit: 100 })).find((e) => e.event.cte === 'harvesting')!;
      expect(withContacts.event.contacts).toEqual({ harvesterPhone: '+1 831 555 0142' });
    });
  });
}
