/**
 * Builds keys.json and batches.json: deterministic keys, signed batches with every intermediate
 * value, and envelopes that a receiver must refuse with a given code (docs/protocol.md §2–§5, §7).
 */
import { isFreshTrailError, type ErrorCode } from '../../common/errors.js';
import { decodeEnvelope, encodeEnvelope, GENESIS_PREV, sealBatch, type Batch, type SealedBatch } from '../batch.js';
import { keyPairFromSeed, type GatewayKeyPair } from '../keys.js';
import { BATCH_FIXTURES, GATEWAY, KEY_LABELS, RFC8032_CASES, seedFromLabel, T0, type KeyName } from './fixtures.js';

export function vectorKey(name: KeyName): GatewayKeyPair {
  return keyPairFromSeed(seedFromLabel(KEY_LABELS[name]));
}

export function buildKeys(): object {
  const keys = (Object.keys(KEY_LABELS) as KeyName[]).map((name) => {
    const seed = seedFromLabel(KEY_LABELS[name]);
    const pair = keyPairFromSeed(seed);
    return {
      name,
      seedLabel: KEY_LABELS[name],
      seed,
      publicKey: pair.publicKeyHex,
      pkcs8DerHex: pair.privateKey.export({ format: 'der', type: 'pkcs8' }).toString('hex'),
      spkiDerHex: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(pair.publicKeyHex, 'hex')]).toString('hex'),
    };
  });
  return {
    description: 'Ed25519 keys of the test vectors. seed = SHA-256(UTF-8 seedLabel) is the RFC 8032 private key; publicKey the raw 32-byte key. rfc8032 holds known answers from RFC 8032 §7.1.',
    keys,
    rfc8032: RFC8032_CASES,
  };
}

/** What a receiver sees of a sealed batch: every intermediate value of docs/protocol.md §9. */
export function describeSealed(sealed: SealedBatch): object {
  const canonical = sealed.canonical.toString('utf8');
  return {
    batch: sealed.batch,
    canonical,
    canonicalHex: sealed.canonical.toString('hex'),
    id: sealed.id,
    sig: sealed.sig,
    envelope: encodeEnvelope(sealed).toString('utf8'),
  };
}

export function buildBatches(): object {
  const batches = BATCH_FIXTURES.map((f) => {
    const pair = vectorKey(f.key);
    const sealed = sealBatch(f.batch, pair.privateKey);
    const entry: Record<string, unknown> = { name: f.name, description: f.description, key: f.key, publicKey: pair.publicKeyHex, ...describeSealed(sealed) };
    if (f.wire !== undefined) {
      const wire = f.wire.replace('{sig}', sealed.sig);
      // The generator refuses to write a wire variant that does not reproduce the id.
      if (decodeEnvelope(Buffer.from(wire, 'utf8')).id !== sealed.id) throw new Error(`wire text of ${f.name} does not give id ${sealed.id}`);
      entry.wire = wire;
    }
    return entry;
  });
  return {
    description: 'Signed batches. canonical is the RFC 8785 text of batch, canonicalHex its UTF-8 bytes, id = SHA-256(canonical bytes), sig the Ed25519 signature of the canonical bytes by key. envelope is the canonical wire form; wire, when present, a non-canonical wire text that must decode to the same id. rejected lists envelopes a receiver must refuse, with the FT_ERR code.',
    batches,
    rejected: buildRejected(),
  };
}

const SIG = 'ab'.repeat(64);

function goodBatch(): Batch {
  return {
    v: 1,
    gateway: GATEWAY,
    seq: 1,
    prev: GENESIS_PREV,
    createdAt: T0 + 5000,
    readings: [{ sensor: 's1', location: 'cold-room-1', ts: T0, tsSource: 'gateway', tempC: 1.5, src: 'modbus:/dev/ttyUSB0#1' }],
  };
}

type Mutable = Record<string, unknown> & { readings: Record<string, unknown>[] };

/** A good envelope text with one change applied to its parsed form. */
function mutated(change: (batch: Mutable, envelope: Record<string, unknown>) => void): string {
  const batch = structuredClone(goodBatch()) as unknown as Mutable;
  const envelope: Record<string, unknown> = { batch, sig: SIG };
  change(batch, envelope);
  return JSON.stringify(envelope);
}

interface RejectedCase {
  name: string;
  wire: string | Buffer;
  code: ErrorCode;
}

function rejectedCases(): RejectedCase[] {
  const good = JSON.stringify({ batch: goodBatch(), sig: SIG });
  const notUtf8 = Buffer.from(good.replace('cold-room-1', 'cold-room-\u0001'), 'utf8');
  notUtf8[notUtf8.indexOf(0x01)] = 0xff;
  return [
    { name: 'not JSON', wire: good.slice(0, -1), code: 'FT_ERR_MALFORMED' },
    { name: 'not UTF-8 (byte 0xff inside a string)', wire: notUtf8, code: 'FT_ERR_MALFORMED' },
    { name: 'UTF-8 byte order mark before the JSON', wire: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(good)]), code: 'FT_ERR_MALFORMED' },
    { name: 'NaN literal (not JSON)', wire: good.replace('"tempC":1.5', '"tempC":NaN'), code: 'FT_ERR_MALFORMED' },
    { name: 'top level is an array', wire: `[${good}]`, code: 'FT_ERR_MALFORMED' },
    { name: 'batch missing', wire: JSON.stringify({ sig: SIG }), code: 'FT_ERR_MALFORMED' },
    { name: 'sig is not a string', wire: mutated((_, e) => (e.sig = 5)), code: 'FT_ERR_MALFORMED' },
    { name: 'unknown envelope member', wire: mutated((_, e) => (e.note = 'hi')), code: 'FT_ERR_SCHEMA' },
    { name: 'version 2', wire: mutated((b) => (b.v = 2)), code: 'FT_ERR_UNSUPPORTED_VERSION' },
    { name: 'version as a string', wire: mutated((b) => (b.v = '1')), code: 'FT_ERR_UNSUPPORTED_VERSION' },
    { name: 'version true (not a number)', wire: mutated((b) => (b.v = true)), code: 'FT_ERR_UNSUPPORTED_VERSION' },
    { name: 'version missing', wire: mutated((b) => delete b.v), code: 'FT_ERR_UNSUPPORTED_VERSION' },
    { name: 'unknown batch member', wire: mutated((b) => (b.site = 'x')), code: 'FT_ERR_SCHEMA' },
    { name: 'unknown reading member', wire: mutated((b) => (b.readings[0]!.tempF = 34.7)), code: 'FT_ERR_SCHEMA' },
    { name: 'tempC with three fraction digits', wire: mutated((b) => (b.readings[0]!.tempC = 1.234)), code: 'FT_ERR_SCHEMA' },
    { name: 'tempC above 120', wire: mutated((b) => (b.readings[0]!.tempC = 120.01)), code: 'FT_ERR_SCHEMA' },
    { name: 'tempC 1e400 (parses to Infinity)', wire: good.replace('"tempC":1.5', '"tempC":1e400'), code: 'FT_ERR_SCHEMA' },
    { name: 'tempC null', wire: mutated((b) => (b.readings[0]!.tempC = null)), code: 'FT_ERR_SCHEMA' },
    { name: 'tempC as a string', wire: mutated((b) => (b.readings[0]!.tempC = '1.5')), code: 'FT_ERR_SCHEMA' },
    { name: 'rh above 100', wire: mutated((b) => (b.readings[0]!.rh = 100.5)), code: 'FT_ERR_SCHEMA' },
    { name: 'battery below 0', wire: mutated((b) => (b.readings[0]!.battery = -1)), code: 'FT_ERR_SCHEMA' },
    { name: 'link not an integer', wire: mutated((b) => (b.readings[0]!.link = 3.5)), code: 'FT_ERR_SCHEMA' },
    { name: 'link below -200', wire: mutated((b) => (b.readings[0]!.link = -201)), code: 'FT_ERR_SCHEMA' },
    { name: 'neither tempC nor rh', wire: mutated((b) => delete b.readings[0]!.tempC), code: 'FT_ERR_SCHEMA' },
    { name: 'tsSource not device or gateway', wire: mutated((b) => (b.readings[0]!.tsSource = 'ntp')), code: 'FT_ERR_SCHEMA' },
    { name: 'ts 0', wire: mutated((b) => (b.readings[0]!.ts = 0)), code: 'FT_ERR_SCHEMA' },
    { name: 'ts not an integer', wire: mutated((b) => (b.readings[0]!.ts = T0 + 0.5)), code: 'FT_ERR_SCHEMA' },
    { name: 'ts 2^53 (beyond the exact integers)', wire: good.replace(`"ts":${T0}`, '"ts":9007199254740992'), code: 'FT_ERR_SCHEMA' },
    { name: 'sensor with a double quote', wire: mutated((b) => (b.readings[0]!.sensor = 's"1')), code: 'FT_ERR_SCHEMA' },
    { name: 'sensor with a non-ASCII character', wire: mutated((b) => (b.readings[0]!.sensor = 'sondeé')), code: 'FT_ERR_SCHEMA' },
    { name: 'location empty', wire: mutated((b) => (b.readings[0]!.location = '')), code: 'FT_ERR_SCHEMA' },
    { name: 'location of 129 characters', wire: mutated((b) => (b.readings[0]!.location = 'l'.repeat(129))), code: 'FT_ERR_SCHEMA' },
    { name: 'src empty', wire: mutated((b) => (b.readings[0]!.src = '')), code: 'FT_ERR_SCHEMA' },
    { name: 'src of 257 UTF-16 code units', wire: mutated((b) => (b.readings[0]!.src = '😀'.repeat(128) + 'x')), code: 'FT_ERR_SCHEMA' },
    { name: 'src with a lone surrogate', wire: good.replace('"src":"modbus:', '"src":"\\ud800modbus:'), code: 'FT_ERR_SCHEMA' },
    { name: 'readings empty', wire: mutated((b) => (b.readings = [])), code: 'FT_ERR_SCHEMA' },
    { name: 'reading not an object', wire: mutated((b) => ((b as Record<string, unknown>).readings = [42])), code: 'FT_ERR_SCHEMA' },
    { name: 'seq 0', wire: mutated((b) => (b.seq = 0)), code: 'FT_ERR_SCHEMA' },
    { name: 'seq 1 with a prev other than 64 zeros', wire: mutated((b) => (b.prev = '1'.repeat(64))), code: 'FT_ERR_SCHEMA' },
    { name: 'prev in upper case', wire: mutated((b) => ((b.seq = 2), (b.prev = 'AB'.repeat(32)))), code: 'FT_ERR_SCHEMA' },
    { name: 'createdAt missing', wire: mutated((b) => delete b.createdAt), code: 'FT_ERR_SCHEMA' },
    { name: 'gateway with a "/" (an MQTT topic level separator)', wire: mutated((b) => (b.gateway = 'site/gw-1')), code: 'FT_ERR_SCHEMA' },
    { name: 'gateway with a "+" (an MQTT wildcard)', wire: mutated((b) => (b.gateway = 'gw+1')), code: 'FT_ERR_SCHEMA' },
    { name: 'sig with a trailing newline', wire: mutated((_, e) => (e.sig = `${SIG}\n`)), code: 'FT_ERR_SCHEMA' },
    { name: 'sig with a space inside', wire: mutated((_, e) => (e.sig = `${SIG.slice(0, 64)} ${SIG.slice(65)}`)), code: 'FT_ERR_SCHEMA' },
    { name: 'sensor with a trailing newline', wire: mutated((b) => (b.readings[0]!.sensor = 's1\n')), code: 'FT_ERR_SCHEMA' },
    { name: 'gateway with a trailing newline', wire: mutated((b) => (b.gateway = `${GATEWAY}\n`)), code: 'FT_ERR_SCHEMA' },
    { name: 'prev with a trailing newline', wire: mutated((b) => ((b.seq = 2), (b.prev = `${'ab'.repeat(32)}\n`))), code: 'FT_ERR_SCHEMA' },
    { name: 'sig in upper case', wire: mutated((_, e) => (e.sig = 'AB'.repeat(64))), code: 'FT_ERR_SCHEMA' },
    { name: 'sig of 63 bytes', wire: mutated((_, e) => (e.sig = 'ab'.repeat(63))), code: 'FT_ERR_SCHEMA' },
  ];
}

function buildRejected(): object[] {
  return rejectedCases().map(({ name, wire, code }) => {
    const bytes = typeof wire === 'string' ? Buffer.from(wire, 'utf8') : wire;
    const got = decodeCode(bytes);
    if (got !== code) throw new Error(`rejected case "${name}" gives ${got ?? 'no error'}, expected ${code}`);
    const text = bytes.toString('utf8');
    const entry: Record<string, unknown> = { name, code, wireHex: bytes.toString('hex') };
    // Only bytes that are valid UTF-8 without a BOM get a readable copy; wireHex is authoritative.
    if (Buffer.from(text, 'utf8').equals(bytes) && bytes[0] !== 0xef) entry.wire = text;
    return entry;
  });
}

function decodeCode(bytes: Buffer): ErrorCode | undefined {
  try {
    decodeEnvelope(bytes);
    return undefined;
  } catch (err) {
    if (isFreshTrailError(err)) return err.code;
    throw err;
  }
}
