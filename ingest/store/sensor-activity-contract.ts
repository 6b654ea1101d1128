/**
 * Contract tests of sensor activity (sensor-activity-types.ts), run by the SQLite and the
 * PostgreSQL store alike. Call `describeSensorActivityContract(name, open)` from a *.test.ts file.
 */
import { describe, expect, it } from 'vitest';
import { T0 } from '../test-helpers.js';
import type { SensorActivity, SensorKey } from './sensor-activity-types.js';
import { storePerTest, type OpenedStore } from './store-contract.js';
import type { Store } from './types.js';

const MINUTE = 60_000;
const probe: SensorKey = { gateway: 'gw-a', location: 'cold-room-1', sensor: 's1' };
const seen = (lastTs: number, lastReceivedAt: number, key: SensorKey = probe): SensorActivity => ({ ...key, lastTs, lastReceivedAt });

export function describeSensorActivityContract(name: string, open: () => Promise<OpenedStore>): void {
  describe(`Store sensor activity contract: ${name}`, () => {
    let store: Store;
    storePerTest(open, (s) => (store = s));

    it('keeps the latest reading and receive time of each sensor; a late or redelivered batch never moves them back', async () => {
      await store.recordSensorActivity([seen(T0, T0 + 1000), seen(T0 + MINUTE, T0 + 1000), seen(T0 + 30 * 1000, T0 + 2000)]); // one sensor, three rows
      expect(await store.listSensorActivity({ limit: 10 })).toEqual([{ ...probe, lastTs: T0 + MINUTE, lastReceivedAt: T0 + 2000 }]);
      await store.recordSensorActivity([seen(T0 - MINUTE, T0 + 1500)]); // late and older
      await store.recordSensorActivity([seen(T0 + MINUTE, T0 + 2000)]); // redelivered
      expect(await store.listSensorActivity({ limit: 10 })).toEqual([{ ...probe, lastTs: T0 + MINUTE, lastReceivedAt: T0 + 2000 }]);
      await store.recordSensorActivity([seen(T0 + 2 * MINUTE, T0 + 3 * MINUTE)]);
      expect(await store.listSensorActivity({ limit: 10 })).toEqual([{ ...probe, lastTs: T0 + 2 * MINUTE, lastReceivedAt: T0 + 3 * MINUTE }]);
      expect(await store.recordSensorActivity([])).toEqual([]);
    });

    it('lists sensors in key order, filtered by silence and gateway, a page at a time', async () => {
      const keys: SensorKey[] = [
        { gateway: 'gw-b', location: 'dock', sensor: 's1' },
        { gateway: 'gw-a', location: 'dock', sensor: 's2' },
        { gateway: 'gw-a', location: 'dock', sensor: 's1' },
        { gateway: 'gw-a', location: 'cold-room-1', sensor: 's1' },
      ];
      await store.recordSensorActivity(keys.map((k, i) => seen(T0, T0 + i * MINUTE, k)));
      const listed = await store.listSensorActivity({ limit: 10 });
      expect(listed.map((r) => [r.gateway, r.location, r.sensor])).toEqual([
        ['gw-a', 'cold-room-1', 's1'],
        ['gw-a', 'dock', 's1'],
        ['gw-a', 'dock', 's2'],
        ['gw-b', 'dock', 's1'],
      ]);
      expect((await store.listSensorActivity({ silentSince: T0 + 2 * MINUTE, limit: 10 })).map((r) => r.lastReceivedAt)).toEqual([T0 + MINUTE, T0]); // gw-a dock s2, gw-b dock s1
      expect((await store.listSensorActivity({ gateway: 'gw-b', limit: 10 })).map((r) => r.gateway)).toEqual(['gw-b']);
      const page = await store.listSensorActivity({ limit: 2 });
      const next = await store.listSensorActivity({ limit: 2, after: page.at(-1)! });
      expect([...page, ...next]).toEqual(listed);
      expect(await store.listSensorActivity({ limit: 2, after: next.at(-1)! })).toEqual([]);
    });

    it('marks a silence as alerted only while it lasts, and reports the sensor once it is heard again', async () => {
      await store.recordSensorActivity([seen(T0, T0)]);
      expect(await store.markSilenceAlerted(probe, T0 - 1)).toBe(false); // not the current silence
      expect(await store.markSilenceAlerted(probe, T0)).toBe(true);
      expect(await store.listSensorActivity({ limit: 10 })).toEqual([{ ...probe, lastTs: T0, lastReceivedAt: T0, alertedSilence: T0 }]);
      expect(await store.recordSensorActivity([seen(T0 - MINUTE, T0 - MINUTE)])).toEqual([]); // late: still silent
      const other = { ...probe, gateway: 'gw-b' };
      expect(await store.recordSensorActivity([seen(T0 + MINUTE, T0 + MINUTE), seen(T0 + MINUTE, T0 + MINUTE, other)])).toEqual([{ ...probe, alertedSilence: T0 }]);
      expect(await store.markSilenceAlerted(probe, T0)).toBe(false); // heard since
      expect(await store.markSilenceAlerted({ ...probe, sensor: 'unknown' }, T0)).toBe(false);
      expect(await store.listSensorActivity({ limit: 10 })).toEqual([
        { ...probe, lastTs: T0 + MINUTE, lastReceivedAt: T0 + MINUTE, alertedSilence: T0 },
        { ...other, lastTs: T0 + MINUTE, lastReceivedAt: T0 + MINUTE },
      ]);
    });
  });
}
