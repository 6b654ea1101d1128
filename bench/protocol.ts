/**
 * `freshtrail bench protocol`: the cost of the wire protocol per reading — canonical bytes,
 * signing on the gateway, decoding and verifying at the ingest — for typical batch sizes.
 */
import { decodeEnvelope, encodeEnvelope, sealBatch, verifySealedBatch, type Batch } from '../protocol/batch.js';
import { keyPairFromSeed, publicKeyFromHex } from '../protocol/keys.js';
import { type Report, rate, round } from './report.js';

export function sampleBatch(readings: number, seq = 1): Batch {
  return {
    v: 1,
    gateway: 'bench-gw',
    seq,
    prev: '0'.repeat(64),
    createdAt: 1_764_000_000_000,
    readings: Array.from({ length: readings }, (_, i) => ({
      sensor: `sensor-${i % 8}`,
      location: 'farm-a/cold-room-1',
      ts: 1_764_000_000_000 + ((seq - 1) * readings + i) * 1000, // time moves on batch after batch, as on a gateway
      tsSource: 'gateway' as const,
      tempC: round(1 + Math.sin(i) * 0.8, 2),
      rh: round(92 + Math.cos(i), 2),
      src: `modbus:/dev/ttyUSB0#${(i % 8) + 1}`,
    })),
  };
}

export async function benchProtocol(report: Report): Promise<void> {
  const key = keyPairFromSeed('42'.repeat(32));
  const publicKey = publicKeyFromHex(key.publicKeyHex);
  for (const size of [1, 50, 200, 1000]) {
    const batch = sampleBatch(size);
    const sealed = sealBatch(batch, key.privateKey);
    const wire = encodeEnvelope(sealed);
    const context = { readingsPerBatch: size, envelopeBytes: wire.length };
    report({ bench: 'protocol', metric: 'seal', value: round(await rate(() => sealBatch(batch, key.privateKey), size)), unit: 'readings/s', ...context });
    report({
      bench: 'protocol',
      metric: 'decode_verify',
      value: round(await rate(() => verifySealedBatch(decodeEnvelope(wire), publicKey), size)),
      unit: 'readings/s',
      ...context,
    });
  }
}
