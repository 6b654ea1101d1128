/**
 * Builds chains.json: four linked batches of one gateway and arrival cases with the verdict the
 * rules of docs/protocol.md §6.3 give (accepted, duplicate, gap, bad signature, fork, broken chain).
 */
import { decodeEnvelope, encodeEnvelope, GENESIS_PREV, sealBatch, type Batch, type SealedBatch } from '../batch.js';
import { publicKeyFromHex } from '../keys.js';
import { round2 } from '../reading.js';
import { describeSealed, vectorKey } from './batch-vectors.js';
import { chainVerdict, type Verdict } from './chain-verdict.js';
import { GATEWAY, T0 } from './fixtures.js';

/** Ed25519 group order L (RFC 8032 §5.1): a signature with S ≥ L must be refused (§5.1.7 step 1). */
const ORDER_L = (1n << 252n) + 27742317777372353535851937790883648493n;

function chainBatch(seq: number, prev: string, tempC: number, createdAtOffset = 0): Batch {
  const createdAt = T0 + seq * 600_000 + createdAtOffset;
  return {
    v: 1,
    gateway: GATEWAY,
    seq,
    prev,
    createdAt,
    readings: [
      { sensor: 'room-1-probe', location: 'cold-room-1', ts: createdAt - 60_000, tsSource: 'gateway', tempC, rh: 92.5, src: 'modbus:/dev/ttyUSB0#1' },
      { sensor: 'room-1-probe', location: 'cold-room-1', ts: createdAt - 30_000, tsSource: 'gateway', tempC: round2(tempC + 0.25), rh: 92, src: 'modbus:/dev/ttyUSB0#1' },
    ],
  };
}

/** S + L has the same value mod L, so a lax verifier accepts it: the malleability RFC 8032 rules out. */
function malleate(sigHex: string): string {
  const sig = Buffer.from(sigHex, 'hex');
  let s = 0n;
  for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(sig[32 + i]!);
  let t = s + ORDER_L;
  for (let i = 0; i < 32; i++) {
    sig[32 + i] = Number(t & 0xffn);
    t >>= 8n;
  }
  return sig.toString('hex');
}

const wireOf = (sealed: { batch: Batch; sig: string }): string => encodeEnvelope(sealed).toString('utf8');

export function buildChains(): object {
  const a = vectorKey('gateway-a');
  const b = vectorKey('gateway-b');
  const chain: SealedBatch[] = [];
  const temps = [1.2, 1.5, 1.25, 0.9];
  for (let seq = 1; seq <= 4; seq++) {
    chain.push(sealBatch(chainBatch(seq, seq === 1 ? GENESIS_PREV : chain[seq - 2]!.id, temps[seq - 1]!), a.privateKey));
  }
  const [c1, c2, c3, c4] = chain as [SealedBatch, SealedBatch, SealedBatch, SealedBatch];
  const tampered = structuredClone(c4.batch);
  tampered.readings[1]!.tempC = 11.15;
  const fork3 = sealBatch(chainBatch(3, c2.id, 4.75, 1000), a.privateKey);
  const fork1 = sealBatch(chainBatch(1, GENESIS_PREV, 2, 1000), a.privateKey);
  const reencoded3 = JSON.stringify({ sig: c3.sig, batch: { ...c3.batch, readings: c3.batch.readings.map(({ src, ...rest }) => ({ src, ...rest })) } }, null, 1);

  const ok: Verdict = { status: 'accepted' };
  const rejected = (code: NonNullable<Verdict['code']>): Verdict => ({ status: 'rejected', code });
  // `intended` is written by hand from the rules; the generator refuses to write a verdict that differs.
  const cases: Array<{ name: string; description: string; accepted: SealedBatch[]; wire: string; intended: Verdict }> = [
    { name: 'first batch', description: 'seq 1 with prev = 64 zeros and nothing accepted yet.', accepted: [], wire: wireOf(c1), intended: ok },
    { name: 'next in order', description: 'seq 4 whose prev is the id of the accepted seq 3.', accepted: [c1, c2, c3], wire: wireOf(c4), intended: ok },
    { name: 'redelivery', description: 'seq 3 again, byte for byte: same id, acknowledged again.', accepted: [c1, c2, c3], wire: wireOf(c3), intended: { status: 'duplicate' } },
    { name: 'redelivery re-encoded', description: 'seq 3 again with other whitespace and member order: same canonical bytes, same id.', accepted: [c1, c2, c3], wire: reencoded3, intended: { status: 'duplicate' } },
    { name: 'tampered reading', description: 'seq 4 with readings[1].tempC changed to 11.15 after signing.', accepted: [c1, c2, c3], wire: wireOf({ batch: tampered, sig: c4.sig }), intended: rejected('FT_ERR_BAD_SIGNATURE') },
    { name: 'signed by another key', description: 'seq 4 signed by gateway-b instead of the enrolled gateway-a.', accepted: [c1, c2, c3], wire: wireOf(sealBatch(c4.batch, b.privateKey)), intended: rejected('FT_ERR_BAD_SIGNATURE') },
    { name: 'malleated signature', description: 'seq 4 with S replaced by S + L (non-canonical S, RFC 8032 §5.1.7).', accepted: [c1, c2, c3], wire: wireOf({ batch: c4.batch, sig: malleate(c4.sig) }), intended: rejected('FT_ERR_BAD_SIGNATURE') },
    { name: 'wrong prev', description: 'seq 4, validly signed, whose prev is the id of seq 2 instead of seq 3.', accepted: [c1, c2, c3], wire: wireOf(sealBatch({ ...c4.batch, prev: c2.id }, a.privateKey)), intended: rejected('FT_ERR_CHAIN_BROKEN') },
    { name: 'fork', description: 'Another validly signed batch with seq 3 after seq 3 was accepted.', accepted: [c1, c2, c3, c4], wire: wireOf(fork3), intended: rejected('FT_ERR_FORK') },
    { name: 'fork of seq 1', description: 'Another validly signed seq 1 (e.g. a gateway restored from an old backup).', accepted: [c1], wire: wireOf(fork1), intended: rejected('FT_ERR_FORK') },
    { name: 'gap', description: 'seq 4 while seq 3 has not arrived: accepted, flagged as a gap; its prev is checked when seq 3 arrives.', accepted: [c1, c2], wire: wireOf(c4), intended: { status: 'accepted', gap: true } },
    { name: 'gap filled', description: 'seq 3 arrives after seq 4: it links to seq 2 and seq 4 links to it.', accepted: [c1, c2, c4], wire: wireOf(c3), intended: ok },
    { name: 'gap filled by a batch seq 4 does not link to', description: 'A validly signed seq 3 (prev = id of seq 2) whose id is not the prev of the accepted seq 4.', accepted: [c1, c2, c4], wire: wireOf(fork3), intended: rejected('FT_ERR_CHAIN_BROKEN') },
    { name: 'seq 1 with a non-zero prev', description: 'The first batch must carry prev = 64 zeros.', accepted: [], wire: wireOf(sealBatch({ ...c1.batch, prev: c1.id }, a.privateKey)), intended: rejected('FT_ERR_SCHEMA') },
  ];

  const key = publicKeyFromHex(a.publicKeyHex);
  return {
    description: 'One gateway\'s chain of four batches (key gateway-a), then arrival cases: for each, the envelopes already accepted for the gateway (in any order), the envelope that arrives, and the expected verdict {status, code?, gap?} of docs/protocol.md §6.3.',
    gateway: GATEWAY,
    key: 'gateway-a',
    publicKey: a.publicKeyHex,
    chain: chain.map((s) => ({ seq: s.batch.seq, prev: s.batch.prev, ...describeSealed(s) })),
    cases: cases.map((c) => {
      const expected = verdictOf(c.wire, c.accepted, key);
      if (JSON.stringify(expected) !== JSON.stringify(c.intended)) {
        throw new Error(`chain case "${c.name}": the rules give ${JSON.stringify(expected)}, intended ${JSON.stringify(c.intended)}`);
      }
      return { name: c.name, description: c.description, accepted: c.accepted.map(wireOf), wire: c.wire, expected };
    }),
  };
}

function verdictOf(wire: string, accepted: SealedBatch[], key: ReturnType<typeof publicKeyFromHex>): Verdict {
  const bySeq = new Map(accepted.map((s) => [s.batch.seq, decodeEnvelope(encodeEnvelope(s))]));
  return chainVerdict(Buffer.from(wire, 'utf8'), bySeq, key);
}
