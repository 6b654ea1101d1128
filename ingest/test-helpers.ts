/**
 * Builders of real signed batches for tests (ingest, edge and end-to-end): a TestGateway holds
 * an Ed25519 key and seals a correctly hash-chained stream with protocol/batch.ts, so tests
 * exercise the same bytes a gateway sends. Not used by production code.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeEnvelope, GENESIS_PREV, sealBatch, type Batch, type SealedBatch } from '../protocol/batch.js';
import { generateKeyPair, keyPairFromSeed, type GatewayKeyPair } from '../protocol/keys.js';
import { round2, type Reading } from '../protocol/reading.js';
import type { AlertInput } from './store/integrity-types.js';

/** A fixed instant (2026-01-15T08:00:00Z) so test readings do not depend on the clock. */
export const T0 = Date.UTC(2026, 0, 15, 8, 0, 0);

export function testReading(overrides: Partial<Reading> = {}): Reading {
  return { sensor: 's1', location: 'cold-room-1', ts: T0, tsSource: 'device', tempC: 3.5, rh: 92.25, src: 'modbus:/dev/ttyUSB0@1', ...overrides };
}

/** `count` readings of one sensor, one minute apart, temperature stepping by 0.1 °C. */
export function testReadings(count: number, overrides: Partial<Reading> = {}): Reading[] {
  const start = overrides.ts ?? T0;
  return Array.from({ length: count }, (_, i) =>
    testReading({ ...overrides, ts: start + i * 60_000, tempC: Math.round((3 + i * 0.1) * 100) / 100 }),
  );
}

export class TestGateway {
  readonly keys: GatewayKeyPair;
  private nextSeq = 1;
  private prev = GENESIS_PREV;

  /** `seedHex` (64 hex chars) makes the key deterministic; otherwise a fresh key. */
  constructor(readonly id: string, seedHex?: string) {
    this.keys = seedHex ? keyPairFromSeed(seedHex) : generateKeyPair();
  }

  get publicKey(): string {
    return this.keys.publicKeyHex;
  }

  /** Seals the next batch of the chain (seq + 1, prev = id of the last one). */
  next(readings: Reading[] = testReadings(3), options: { createdAt?: number } = {}): SealedBatch {
    const sealed = this.seal({ seq: this.nextSeq, prev: this.prev, readings, createdAt: options.createdAt });
    this.nextSeq += 1;
    this.prev = sealed.id;
    return sealed;
  }

  /** Seals an arbitrary batch without advancing the chain (forks, wrong prev, …). */
  seal(fields: { seq: number; prev: string; readings?: Reading[]; createdAt?: number }): SealedBatch {
    const batch: Batch = {
      v: 1,
      gateway: this.id,
      seq: fields.seq,
      prev: fields.prev,
      createdAt: fields.createdAt ?? Date.now(),
      readings: fields.readings ?? testReadings(3),
    };
    return sealBatch(batch, this.keys.privateKey);
  }
}

/** Wire bytes of a sealed batch. */
export function envelopeBytes(sealed: SealedBatch): Buffer {
  return encodeEnvelope(sealed);
}

/** The envelope with one reading's temperature changed after signing: a tampered batch. */
export function tamperedEnvelope(sealed: SealedBatch): Buffer {
  const readings = sealed.batch.readings.map((r, i) => (i === 0 ? { ...r, tempC: round2((r.tempC ?? 0) + 1) } : r));
  return encodeEnvelope({ batch: { ...sealed.batch, readings }, sig: sealed.sig });
}

/** A temporary directory and a function that removes it. */
export function tempDir(prefix = 'freshtrail-ingest-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A temperature excursion alert of truck-7 at T0, as the alert rules raise it: the delivery tests' fixture. */
export const excursionAlert = (over: Partial<AlertInput> = {}): AlertInput => ({
  kind: 'temperature_excursion',
  severity: 'warning',
  subject: 'truck-7',
  dedupeKey: 'rule:reefer-high:truck-7',
  message: 'truck-7: temperature above 8 °C for 15 min or more',
  at: T0,
  ...over,
});
