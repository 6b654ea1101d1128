/** Status documents for tests: a healthy two-input gateway, changed per test. */
import { validateConfig } from '../../common/config.js';
import type { EdgeStatus } from '../status-types.js';
import { StatusConfigSchema, type StatusConfig } from './config.js';

export const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
export const MIN = 60_000;

export function healthyStatus(): EdgeStatus {
  return {
    gatewayId: 'farm-a-gw1',
    version: '0.1.0',
    startedAt: NOW - 3 * 60 * MIN,
    now: NOW,
    forwarder: { transport: 'mqtt', connected: true, lastAckAt: NOW - 4000 },
    inputs: [
      { name: 'cold-rooms-rs485', type: 'modbus', healthy: true, readings: 1234, errors: 3, lastReadingAt: NOW - 8000 },
      { name: 'zigbee', type: 'mqtt', healthy: true, readings: 56, errors: 0, lastReadingAt: NOW - 20_000 },
    ],
    outbox: {
      unsealedReadings: 15,
      pendingBatches: 2,
      oldestUnackedTs: NOW - 9000,
      lastAckAt: NOW - 4000,
      bytes: 1_258_291,
      limitBytes: 1024 ** 3,
      full: false,
      policy: 'block',
      droppedReadings: 0,
      chainSeq: 4521,
    },
    alarms: [],
  };
}

/** The status section with its documented defaults, as the agent would see it. */
export function statusConfig(overrides: Partial<StatusConfig> = {}): StatusConfig {
  return { ...validateConfig({}, StatusConfigSchema, 'test'), ...overrides };
}
