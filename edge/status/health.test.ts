import { describe, expect, it } from 'vitest';
import type { EdgeStatus } from '../status-types.js';
import { assessHealth, type HealthReport } from './health.js';
import { MIN, NOW, healthyStatus, statusConfig } from './test-fixtures.js';

const thresholds = statusConfig().health; // documented defaults: 10 min, 30 min, 2 min

function assess(change: (s: EdgeStatus) => void): HealthReport {
  const status = healthyStatus();
  change(status);
  return assessHealth(status, thresholds);
}

const checks = (findings: HealthReport['reasons']) => findings.map((f) => f.check);

describe('assessHealth', () => {
  it('calls a connected gateway with healthy inputs and a fresh backlog healthy, with nothing to report', () => {
    expect(assessHealth(healthyStatus(), thresholds)).toEqual({ healthy: true, reasons: [], warnings: [] });
  });

  it('uses the documented default thresholds', () => {
    expect(thresholds).toEqual({ forwarderDownMs: 10 * MIN, maxUnackedAgeMs: 30 * MIN, startupGraceMs: 2 * MIN });
  });

  describe('forwarder', () => {
    it('only warns while the disconnection is shorter than forwarderDownMs', () => {
      const report = assess((s) => {
        s.forwarder = { transport: 'mqtt', connected: false, lastAckAt: NOW - 9 * MIN, lastError: 'connect ECONNREFUSED' };
        s.outbox.lastAckAt = NOW - 9 * MIN;
      });
      expect(report.healthy).toBe(true);
      expect(report.warnings).toEqual([{ check: 'forwarder', message: 'the mqtt forwarder is disconnected (connect ECONNREFUSED); readings wait in the outbox' }]);
    });

    it('is unhealthy once nothing was acknowledged for longer than forwarderDownMs', () => {
      const report = assess((s) => {
        s.forwarder = { transport: 'mqtt', connected: false, lastAckAt: NOW - 14 * MIN };
        s.outbox.lastAckAt = NOW - 14 * MIN;
      });
      expect(report.healthy).toBe(false);
      expect(report.reasons).toEqual([{ check: 'forwarder', message: 'the mqtt forwarder is disconnected and nothing was acknowledged for 14 min (limit 10 min)' }]);
    });

    it('counts from the agent start when the last acknowledgement predates it (a restart gets a fresh allowance)', () => {
      const report = assess((s) => {
        s.startedAt = NOW - 5 * MIN;
        s.forwarder = { transport: 'mqtt', connected: false, lastAckAt: NOW - 3 * 60 * MIN };
        s.outbox.lastAckAt = undefined;
        s.outbox.oldestUnackedTs = NOW - 60_000;
      });
      expect(report.healthy).toBe(true);
      expect(checks(report.warnings)).toEqual(['forwarder']);
    });

    it('counts from the agent start when nothing was ever acknowledged', () => {
      const report = assess((s) => {
        s.startedAt = NOW - 11 * MIN;
        s.forwarder = { transport: 'mqtt', connected: false };
        s.outbox.lastAckAt = undefined;
        s.outbox.oldestUnackedTs = undefined;
      });
      expect(checks(report.reasons)).toEqual(['forwarder']);
    });

    it('never fails the check when forwarderDownMs is 0', () => {
      const report = assessHealth({ ...healthyStatus(), forwarder: { transport: 'mqtt', connected: false, lastAckAt: NOW - 600 * MIN } }, { ...thresholds, forwarderDownMs: 0, maxUnackedAgeMs: 0 });
      expect(report.healthy).toBe(true);
    });
  });

  describe('backlog', () => {
    it('is unhealthy when the oldest unacknowledged reading is older than maxUnackedAgeMs, even while connected', () => {
      const report = assess((s) => {
        s.outbox.oldestUnackedTs = NOW - 45 * MIN;
      });
      expect(report.reasons).toEqual([
        { check: 'backlog', message: 'the oldest unacknowledged reading is 45 min old (limit 30 min): readings are not reaching the ingest' },
      ]);
    });

    it('is disabled with maxUnackedAgeMs 0', () => {
      const status = healthyStatus();
      status.outbox.oldestUnackedTs = NOW - 600 * MIN;
      expect(assessHealth(status, { ...thresholds, maxUnackedAgeMs: 0 }).healthy).toBe(true);
    });
  });

  describe('outbox', () => {
    it('is unhealthy when full under the block policy, saying new readings are refused', () => {
      const report = assess((s) => {
        s.outbox.full = true;
        s.outbox.bytes = s.outbox.limitBytes;
      });
      expect(report.reasons).toEqual([{ check: 'outbox', message: 'the outbox is full (100 % of its disk limit): new readings are refused until the ingest acknowledges batches' }]);
    });

    it('is unhealthy when full under drop-oldest, saying how many readings were dropped', () => {
      const report = assess((s) => {
        s.outbox.full = true;
        s.outbox.policy = 'drop-oldest';
        s.outbox.droppedReadings = 1200;
      });
      expect(report.reasons.map((r) => r.message)).toEqual([expect.stringContaining('the oldest unacknowledged readings are being dropped (1200 so far)')]);
      expect(report.warnings).toEqual([]); // the drop count is part of the reason, not repeated
    });

    it('warns before it is full, and about readings dropped earlier', () => {
      const report = assess((s) => {
        s.outbox.bytes = Math.round(s.outbox.limitBytes * 0.93);
        s.outbox.droppedReadings = 7;
      });
      expect(report.healthy).toBe(true);
      expect(report.warnings.map((w) => w.message)).toEqual([
        'the outbox is at 93 % of its disk limit',
        '7 readings were dropped or refused because the outbox was full',
      ]);
    });
  });

  describe('inputs', () => {
    it('only warns when some inputs are down and others deliver', () => {
      const report = assess((s) => {
        s.inputs[0] = { ...s.inputs[0]!, healthy: false, lastReadingAt: NOW - 12 * MIN, lastError: 'timeout' };
      });
      expect(report.healthy).toBe(true);
      expect(report.warnings).toEqual([{ check: 'inputs', message: 'input cold-rooms-rs485 (modbus): last reading 12 min ago, timeout' }]);
    });

    it('is unhealthy when no input is healthy, naming each', () => {
      const report = assess((s) => {
        s.inputs = s.inputs.map((i) => ({ ...i, healthy: false }));
        s.inputs[1] = { ...s.inputs[1]!, lastReadingAt: undefined, lastError: 'cannot subscribe' };
      });
      expect(report.reasons).toEqual([
        { check: 'inputs', message: 'no input is healthy: cold-rooms-rs485 (modbus): last reading 8 s ago; zigbee (mqtt): no reading yet, cannot subscribe' },
      ]);
    });

    it('only warns while the agent is within startupGraceMs of its start', () => {
      const report = assess((s) => {
        s.startedAt = NOW - 30_000;
        s.inputs = s.inputs.map((i) => ({ ...i, healthy: false, readings: 0, lastReadingAt: undefined }));
      });
      expect(report.healthy).toBe(true);
      expect(report.warnings[0]?.message).toMatch(/^no input has delivered yet \(agent starting\)/);
    });

    it('is unhealthy with no input running after the grace period', () => {
      expect(checks(assess((s) => (s.inputs = [])).reasons)).toEqual(['inputs']);
    });
  });

  it('lists every failing check, and treats a clock that stepped backwards as age zero', () => {
    const report = assess((s) => {
      s.outbox.full = true;
      s.outbox.oldestUnackedTs = NOW - 31 * MIN;
      s.forwarder = { transport: 'mqtt', connected: false, lastAckAt: NOW - 31 * MIN };
      s.outbox.lastAckAt = NOW - 31 * MIN;
      s.inputs = s.inputs.map((i) => ({ ...i, healthy: false, lastReadingAt: NOW + 5 * MIN }));
    });
    expect(checks(report.reasons)).toEqual(['outbox', 'forwarder', 'backlog', 'inputs']);
    expect(report.reasons[3]!.message).toContain('last reading 0 s ago');
  });

  it('ignores active alarms: they concern the produce, not the gateway', () => {
    const report = assess((s) => {
      s.alarms = [{ rule: 'high-temp', location: 'cold-room-1', since: NOW - 12 * MIN, value: 9.4 }];
    });
    expect(report).toEqual({ healthy: true, reasons: [], warnings: [] });
  });
});
