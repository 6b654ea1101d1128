/** Test helper: runs a recorded message through a format as the input would. */
import type { Fixture } from './fixtures.js';
import type { DecodeResult, MqttFormat } from './types.js';

/** The gateway clock the format tests run at: 2024-03-04T09:12:00Z. */
export const TEST_NOW = Date.UTC(2024, 2, 4, 9, 12, 0);

export function decodeFixture(format: MqttFormat, f: Fixture, now = TEST_NOW): DecodeResult | 'no match' {
  const payload = Buffer.from(f.payload);
  if (!format.match(f.topic, payload)) return 'no match';
  return format.decode({ topic: f.topic, payload, now });
}

/** The observations of a successful decode; throws with the failure otherwise. */
export function observationsOf(result: DecodeResult | 'no match'): Extract<DecodeResult, { ok: true }>['observations'] {
  if (result === 'no match') throw new Error('the format did not match the topic');
  if (!result.ok) throw new Error(`decode failed: ${result.detail}`);
  return result.observations;
}
