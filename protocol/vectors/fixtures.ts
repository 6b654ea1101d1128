/**
 * The fixed inputs of the test vectors: key seeds, batches and hand-written wire texts. Nothing
 * here is random or read from the clock, so `generate.ts` always writes the same bytes
 * (docs/protocol.md §9, protocol/vectors/README.md).
 */
import { createHash } from 'node:crypto';
import { GENESIS_PREV, type Batch } from '../batch.js';
import type { Reading } from '../reading.js';

/** Seeds are SHA-256 of a label, so anyone can re-derive them without trusting the files. */
export function seedFromLabel(label: string): string {
  return createHash('sha256').update(label, 'utf8').digest('hex');
}

export const KEY_LABELS = {
  'gateway-a': 'FreshTrail test vector key gateway-a',
  'gateway-b': 'FreshTrail test vector key gateway-b',
} as const;
export type KeyName = keyof typeof KEY_LABELS;

/** RFC 8032 §7.1 TEST 1–3: known answers that pin the Ed25519 implementation itself. */
export const RFC8032_CASES = [
  {
    name: 'RFC 8032 §7.1 TEST 1',
    seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    messageHex: '',
    sig: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    name: 'RFC 8032 §7.1 TEST 2',
    seed: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    publicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    messageHex: '72',
    sig: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    name: 'RFC 8032 §7.1 TEST 3',
    seed: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    publicKey: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    messageHex: 'af82',
    sig: '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
] as const;

export const GATEWAY = 'gw-vectors-01';
/** 2026-01-01T00:00:00Z in UTC milliseconds. */
export const T0 = 1_767_225_600_000;

export interface BatchFixture {
  name: string;
  description: string;
  key: KeyName;
  batch: Batch;
  /**
   * The envelope as a sender might put it on the wire when that differs from the canonical
   * encoding (whitespace, member order, `2.0`, `-0`, `\u00b0` escapes): it must verify with the
   * same id. The placeholder `{sig}` is replaced by the signature.
   */
  wire?: string;
}

function batch(seq: number, prev: string, createdAt: number, readings: Reading[]): Batch {
  return { v: 1, gateway: GATEWAY, seq, prev, createdAt, readings };
}

const ESCAPED_SRC = 'dht:"probe"\\door\u0001\t\n°C €😀\u007f\u2028/end';

export const BATCH_FIXTURES: BatchFixture[] = [
  {
    name: 'minimal',
    description: 'One reading with only the required fields and tempC; no optional field appears in the canonical text.',
    key: 'gateway-a',
    batch: batch(1, GENESIS_PREV, T0 + 5000, [{ sensor: 's1', location: 'cold-room-1', ts: T0, tsSource: 'gateway', tempC: 1.5, src: 'modbus:/dev/ttyUSB0#1' }]),
  },
  {
    name: 'all-fields',
    description: 'Every reading field present: tempC, rh, battery, link, a device timestamp.',
    key: 'gateway-a',
    batch: batch(2, seedFromLabel('any 32 bytes: prev is only checked by the chain rules'), T0 + 65_000, [
      { sensor: '0x00158d0001a2b3c4', location: 'truck-7/front', ts: T0 + 60_000, tsSource: 'device', tempC: 3.25, rh: 91.5, battery: 87, link: 142, src: 'mqtt:zigbee2mqtt/truck-7-front' },
    ]),
  },
  {
    name: 'negative-temperature',
    description: 'A freezer reading below zero with two fraction digits and an RSSI-style negative link.',
    key: 'gateway-a',
    batch: batch(3, GENESIS_PREV.replace(/0$/, '1'), T0 + 125_000, [
      { sensor: 'freezer-probe', location: 'freezer-2', ts: T0 + 120_000, tsSource: 'gateway', tempC: -18.75, rh: 65, link: -71, src: 'serial-lines:/dev/ttyACM0' },
    ]),
  },
  {
    name: 'integer-valued-decimals',
    description: 'tempC 2.0 and rh 90.10 on the wire: the parsed numbers 2 and 90.1 canonicalize as "2" and "90.1", so the wire text differs from the canonical text but the id and signature are the same.',
    key: 'gateway-a',
    batch: batch(4, GENESIS_PREV.replace(/0$/, '2'), T0 + 185_000, [
      { sensor: 's1', location: 'cold-room-1', ts: T0 + 180_000, tsSource: 'gateway', tempC: 2, rh: 90.1, battery: 100, src: 'modbus:/dev/ttyUSB0#1' },
    ]),
    wire:
      '{ "sig": "{sig}",\n  "batch": { "v": 1.0, "seq": 4, "gateway": "gw-vectors-01", "prev": "0000000000000000000000000000000000000000000000000000000000000002",\n' +
      '    "createdAt": 1767225785000, "readings": [ { "ts": 1767225780000, "tsSource": "gateway", "sensor": "s1", "location": "cold-room-1",\n' +
      '      "tempC": 2.0, "rh": 90.10, "battery": 1e2, "src": "modbus:/dev/ttyUSB0#1" } ] } }\n',
  },
  {
    name: 'negative-zero',
    description: 'tempC -0 (a rounding result such as round2(-0.004)) canonicalizes as "0"; the wire may carry "-0" or "-0.0".',
    key: 'gateway-a',
    batch: batch(5, GENESIS_PREV.replace(/0$/, '3'), T0 + 245_000, [
      { sensor: 's1', location: 'cold-room-1', ts: T0 + 240_000, tsSource: 'gateway', tempC: -0, src: 'modbus:/dev/ttyUSB0#1' },
      { sensor: 's2', location: 'cold-room-1', ts: T0 + 240_000, tsSource: 'gateway', tempC: 0, rh: 0, src: 'modbus:/dev/ttyUSB0#2' },
    ]),
    wire:
      '{"batch":{"createdAt":1767225845000,"gateway":"gw-vectors-01","prev":"0000000000000000000000000000000000000000000000000000000000000003","readings":[' +
      '{"location":"cold-room-1","sensor":"s1","src":"modbus:/dev/ttyUSB0#1","tempC":-0,"ts":1767225840000,"tsSource":"gateway"},' +
      '{"location":"cold-room-1","rh":-0.0,"sensor":"s2","src":"modbus:/dev/ttyUSB0#2","tempC":0.00,"ts":1767225840000,"tsSource":"gateway"}' +
      '],"seq":5,"v":1},"sig":"{sig}"}',
  },
  {
    name: 'escaped-src',
    description: 'A src needing every kind of escape: quote, backslash, U+0001 (\\u0001), tab, newline; and characters that stay literal: °, €, an emoji outside the BMP, DEL (U+007F), U+2028 and "/".',
    key: 'gateway-a',
    batch: batch(6, GENESIS_PREV.replace(/0$/, '4'), T0 + 305_000, [
      { sensor: 'dht-1', location: 'packhouse', ts: T0 + 300_000, tsSource: 'gateway', tempC: 12.3, rh: 70.25, src: ESCAPED_SRC },
    ]),
    wire:
      '{"batch":{"createdAt":1767225905000,"gateway":"gw-vectors-01","prev":"0000000000000000000000000000000000000000000000000000000000000004","readings":[' +
      '{"location":"packhouse","rh":70.25,"sensor":"dht-1","src":"dht:\\"probe\\"\\\\door\\u0001\\u0009\\u000a\\u00b0C \\u20ac\\ud83d\\ude00\\u007f\\u2028\\/end","tempC":12.30,"ts":1767225900000,"tsSource":"gateway"}' +
      '],"seq":6,"v":1},"sig":"{sig}"}',
  },
  {
    name: 'rh-only',
    description: 'A reading with relative humidity and no temperature (a humidity-only sensor).',
    key: 'gateway-a',
    batch: batch(7, GENESIS_PREV.replace(/0$/, '5'), T0 + 365_000, [{ sensor: 'hum-1', location: 'ripening-room', ts: T0 + 360_000, tsSource: 'gateway', rh: 88.05, src: 'mqtt:tele/ripening/SENSOR' }]),
  },
  {
    name: 'several-readings',
    description: 'Three readings from two sensors in the order the gateway collected them (not sorted); ids with spaces and punctuation.',
    key: 'gateway-a',
    batch: batch(8, GENESIS_PREV.replace(/0$/, '6'), T0 + 425_000, [
      { sensor: 'probe A', location: 'dock #3', ts: T0 + 421_000, tsSource: 'device', tempC: 7.01, rh: 80.99, src: 'mqtt:tele/dock3/SENSOR' },
      { sensor: 'probe B', location: 'dock #3', ts: T0 + 420_000, tsSource: 'gateway', tempC: 6.9, src: 'modbus:/dev/ttyUSB1#7' },
      { sensor: 'probe A', location: 'dock #3', ts: T0 + 420_000, tsSource: 'device', tempC: 7, rh: 81, battery: 99.5, src: 'mqtt:tele/dock3/SENSOR' },
    ]),
  },
  {
    name: 'limits',
    description: 'Boundary values: tempC -80 and 120, rh 0 and 100, battery 0, link -200 and 255, ts 1 and 2^53-1, seq 2^53-1.',
    key: 'gateway-a',
    batch: batch(9_007_199_254_740_991, seedFromLabel('limits prev'), 9_007_199_254_740_991, [
      { sensor: 'min', location: 'lab', ts: 1, tsSource: 'device', tempC: -80, rh: 0, battery: 0, link: -200, src: 'x' },
      { sensor: 'max', location: 'lab', ts: 9_007_199_254_740_991, tsSource: 'device', tempC: 120, rh: 100, battery: 100, link: 255, src: 'y'.repeat(256) },
    ]),
  },
  {
    name: 'other-key',
    description: 'The minimal batch signed by gateway-b: same canonical bytes and id as "minimal", a different signature that only gateway-b\'s public key accepts.',
    key: 'gateway-b',
    batch: batch(1, GENESIS_PREV, T0 + 5000, [{ sensor: 's1', location: 'cold-room-1', ts: T0, tsSource: 'gateway', tempC: 1.5, src: 'modbus:/dev/ttyUSB0#1' }]),
  },
];
