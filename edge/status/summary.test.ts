import { describe, expect, it } from 'vitest';
import { assessHealth } from './health.js';
import { formatStatusSummary } from './summary.js';
import { MIN, NOW, healthyStatus, statusConfig } from './test-fixtures.js';
import { formatBytes, formatDuration } from './units.js';

const thresholds = statusConfig().health;

describe('formatStatusSummary', () => {
  it('prints every part of a healthy gateway, ages relative to the gateway clock', () => {
    const status = healthyStatus();
    expect(formatStatusSummary(status, assessHealth(status, thresholds))).toBe(
      [
        'gateway    farm-a-gw1  (freshtrail 0.1.0, up 3 h, clock 2026-11-24T12:00:00.000Z)',
        'health     HEALTHY',
        'forwarder  mqtt, connected, last ack 4 s ago',
        'inputs     NAME              TYPE    HEALTH  READINGS  ERRORS  LAST READING',
        '           cold-rooms-rs485  modbus  ok          1234       3  8 s ago',
        '           zigbee            mqtt    ok            56       0  20 s ago',
        'outbox     15 readings unsealed, 2 batches awaiting acknowledgement, chain seq 4521',
        '           oldest unacknowledged reading 9 s ago, last ack 4 s ago',
        'disk       1.2 MiB of 1.0 GiB (0 %), not full, when full: block, 0 readings dropped',
        'alarms     none',
      ].join('\n'),
    );
  });

  it('shows the verdict with reasons (x) and warnings (!), down inputs, errors, a full disk and active alarms', () => {
    const status = healthyStatus();
    status.forwarder = { transport: 'mqtt', connected: false, lastError: 'connect ECONNREFUSED 127.0.0.1:1883' };
    status.outbox = { ...status.outbox, lastAckAt: undefined, oldestUnackedTs: NOW - 40 * MIN, full: true, bytes: status.outbox.limitBytes, policy: 'drop-oldest', droppedReadings: 40 };
    status.inputs[1] = { ...status.inputs[1]!, healthy: false, lastReadingAt: undefined, lastError: 'cannot subscribe' };
    status.alarms = [{ rule: 'high-temp', location: 'cold-room-1', since: NOW - 12 * MIN, value: 9.4 }];
    const text = formatStatusSummary(status, assessHealth(status, thresholds));
    const lines = text.split('\n');
    expect(lines[1]).toBe('health     UNHEALTHY');
    expect(lines).toContain('           x backlog: the oldest unacknowledged reading is 40 min old (limit 30 min): readings are not reaching the ingest');
    expect(lines).toContain('           ! inputs: input zigbee (mqtt): no reading yet, cannot subscribe');
    expect(lines).toContain('forwarder  mqtt, DISCONNECTED, last ack never');
    expect(lines).toContain('           last error: connect ECONNREFUSED 127.0.0.1:1883');
    expect(lines).toContain('           zigbee            mqtt    DOWN          56       0  never');
    expect(lines).toContain('             last error: cannot subscribe');
    expect(lines).toContain('disk       1.0 GiB of 1.0 GiB (100 %), FULL, when full: drop-oldest, 40 readings dropped');
    expect(lines).toContain('alarms     high-temp at cold-room-1: value 9.4, since 2026-11-24T11:48:00.000Z (12 min)');
  });
});

describe('units', () => {
  it('formats durations for people', () => {
    expect([0, 999, 42_000, 12 * MIN, 185 * MIN, 180 * MIN, 52 * 60 * MIN, 48 * 60 * MIN, -5000].map(formatDuration)).toEqual([
      '0 s',
      '0 s',
      '42 s',
      '12 min',
      '3 h 5 min',
      '3 h',
      '2 d 4 h',
      '2 d',
      '0 s',
    ]);
  });

  it('formats sizes in binary units', () => {
    expect([0, 1023, 1536, 1_258_291, 1024 ** 3].map(formatBytes)).toEqual(['0 B', '1023 B', '1.5 KiB', '1.2 MiB', '1.0 GiB']);
  });
});
