/**
 * Per-input health for the status document: readings accepted, read errors, and whether the
 * input delivered a reading recently enough for its kind. "Recently enough" depends on how the
 * devices report: a Modbus input polls on a fixed interval; serial sketches print every few
 * seconds; battery Zigbee/Wi-Fi sensors report on change and at least about hourly (Aqara
 * WSDCGQ11LM reports every ~50 minutes when nothing changes — Zigbee2MQTT device docs).
 */
import type { InputConfig } from './inputs/registry.js';
import type { InputStatus } from './status-types.js';

interface Entry {
  name: string;
  type: string;
  silentAfterMs: number;
  readings: number;
  errors: number;
  lastReadingAt?: number;
  lastError?: string;
}

/** How long an input may stay silent before it counts as unhealthy. */
export function silenceAllowance(config: InputConfig): number {
  switch (config.type) {
    case 'modbus':
      return 3 * (config.pollIntervalMs ?? 10_000) + 60_000;
    case 'serial-lines':
      return 5 * 60_000;
    default:
      return 2 * 60 * 60_000;
  }
}

export class InputHealth {
  private readonly entries = new Map<string, Entry>();

  register(config: InputConfig): void {
    this.entries.set(config.name, { name: config.name, type: config.type, silentAfterMs: silenceAllowance(config), readings: 0, errors: 0 });
  }

  reading(input: string, at: number): void {
    const entry = this.entries.get(input);
    if (!entry) return;
    entry.readings++;
    entry.lastReadingAt = at;
  }

  error(input: string, reason: string, detail: string): void {
    const entry = this.entries.get(input);
    if (!entry) return;
    entry.errors++;
    entry.lastError = `${reason}: ${detail}`;
  }

  snapshot(now: number): InputStatus[] {
    return [...this.entries.values()].map((e) => ({
      name: e.name,
      type: e.type,
      healthy: e.lastReadingAt !== undefined && now - e.lastReadingAt <= e.silentAfterMs,
      readings: e.readings,
      errors: e.errors,
      lastReadingAt: e.lastReadingAt,
      lastError: e.lastError,
    }));
  }
}
