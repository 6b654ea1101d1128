/**
 * The durable outbox of an edge agent: every reading the agent accepts and every batch it
 * seals is in here, fsync'd, before anyone is told so; a batch leaves only when the ingest has
 * acknowledged a durable commit (STYLE.md §4, DESIGN.md "Transport and acknowledgement").
 *
 * Layout: `<dir>/seg-<number>.log` segment files of records (format.ts), appended in order by a
 * single writer with group commit (one fdatasync per write group); `<dir>/corrupt/` holds damaged
 * bytes moved aside at recovery. Invariants:
 *  - file order is logical order: a Batch record follows the Reading records it covers;
 *  - reading numbers and batch seqs only grow, across restarts (Checkpoint records carry them
 *    into each new segment, so a fully acknowledged old segment can be deleted);
 *  - a segment is deleted only when none of its batches is unacknowledged and none of its
 *    readings is still unsealed.
 */
import { mkdir, open, readdir, readFile, rename, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { GENESIS_PREV, checkEnvelope, type Batch, type SealedBatch } from '../../protocol/batch.js';
import type { Reading } from '../../protocol/reading.js';
import type { AckStatus } from '../../protocol/ack.js';
import type { Logger } from '../../common/log.js';
import type { EdgeMetrics } from '../metrics.js';
import { RecordKind, encodeRecord, scanSegment, type RawRecord } from './format.js';

export interface OutboxOptions {
  dir: string;
  /** The gateway id written into every batch. */
  gatewayId: string;
  logger: Logger;
  metrics: EdgeMetrics;
  /** Rotate to a new segment once the active one exceeds this many bytes. */
  segmentBytes?: number;
}

export interface ChainHead {
  seq: number;
  id: string;
}

/** Signs a batch; the outbox supplies seq, prev and readings so the chain stays consistent. */
export type BatchSigner = (batch: Batch) => SealedBatch;

interface Segment {
  name: string;
  /** Highest reading number stored in this segment (0 if none). */
  maxReading: number;
  /** Seqs of batches stored in this segment and not yet acknowledged. */
  unacked: Set<number>;
}

/** What a queued record means, applied to the segment it actually lands in once durable. */
interface WriteEffect {
  readingNo?: number;
  batch?: { seq: number; id: string; upTo: number };
}

interface PendingWrite {
  bytes: Buffer;
  effect: WriteEffect;
  done: (err?: Error) => void;
}

const SEGMENT_PATTERN = /^seg-(\d{16})\.log$/;
const segmentName = (n: number): string => `seg-${String(n).padStart(16, '0')}.log`;

export class Outbox {
  private readonly segments: Segment[] = [];
  private file?: FileHandle;
  private activeBytes = 0;
  private readingNo = 0;
  private sealedUpTo = 0;
  private head: ChainHead = { seq: 0, id: GENESIS_PREV };
  /** State that is on disk (not merely queued): what a Checkpoint may claim. */
  private durable = { head: { seq: 0, id: GENESIS_PREV } as ChainHead, readingNo: 0, sealedUpTo: 0 };
  private readonly unsealedReadings: Array<{ n: number; reading: Reading }> = [];
  private readonly pendingBatches = new Map<number, { sealed: SealedBatch; segment: Segment }>();
  private queue: PendingWrite[] = [];
  private writing = false;
  private closed = false;

  private constructor(private readonly options: Required<OutboxOptions>) {}

  /** Opens (or creates) the outbox in `dir`, recovering state and moving damage aside. */
  static async open(options: OutboxOptions): Promise<Outbox> {
    const outbox = new Outbox({ segmentBytes: 8 * 1024 * 1024, ...options });
    await mkdir(options.dir, { recursive: true });
    await outbox.recover();
    return outbox;
  }

  /** Readings accepted but not sealed into a batch yet (oldest first). */
  unsealedCount(): number {
    return this.unsealedReadings.length;
  }

  oldestUnsealedTs(): number | undefined {
    return this.unsealedReadings[0]?.reading.ts;
  }

  /** Sealed batches awaiting an acknowledgement, in seq order. */
  pending(): SealedBatch[] {
    return [...this.pendingBatches.keys()].sort((a, b) => a - b).map((seq) => this.pendingBatches.get(seq)!.sealed);
  }

  chainHead(): ChainHead {
    return { ...this.head };
  }

  /** Resolves once the reading is on disk (fdatasync'd): the moment the agent has accepted it. */
  appendReading(reading: Reading): Promise<void> {
    const n = ++this.readingNo;
    this.unsealedReadings.push({ n, reading });
    return this.write(RecordKind.Reading, { n, r: reading }, { readingNo: n });
  }

  /**
   * Seals up to `maxReadings` of the oldest unsealed readings into the next batch of the chain,
   * signs it and writes it. Resolves with the batch once durable, or undefined if nothing is
   * unsealed.
   */
  async seal(sign: BatchSigner, maxReadings: number, createdAt: number): Promise<SealedBatch | undefined> {
    if (this.unsealedReadings.length === 0) return undefined;
    const taken = this.unsealedReadings.splice(0, maxReadings);
    const upTo = taken[taken.length - 1]!.n;
    const batch: Batch = {
      v: 1,
      gateway: this.options.gatewayId,
      seq: this.head.seq + 1,
      prev: this.head.id,
      createdAt,
      readings: taken.map((t) => t.reading),
    };
    const sealed = sign(batch);
    const seq = sealed.batch.seq;
    this.head = { seq, id: sealed.id };
    this.sealedUpTo = upTo;
    this.pendingBatches.set(seq, { sealed, segment: this.currentSegment() });
    await this.write(RecordKind.Batch, { seq, upTo, id: sealed.id, env: { batch: sealed.batch, sig: sealed.sig } }, { batch: { seq, id: sealed.id, upTo } });
    this.options.metrics.outboxPending.set(this.pendingBatches.size);
    return sealed;
  }

  /** Records the ingest's acknowledgement; the batch leaves the outbox. Unknown seqs are ignored. */
  async ack(seq: number, status: AckStatus | 'dead-letter'): Promise<void> {
    const entry = this.pendingBatches.get(seq);
    if (!entry) return;
    await this.write(RecordKind.Ack, { seq, status });
    this.pendingBatches.delete(seq);
    entry.segment.unacked.delete(seq);
    this.options.metrics.outboxPending.set(this.pendingBatches.size);
    await this.deleteReleasedSegments();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.writing || this.queue.length > 0) await new Promise((r) => setTimeout(r, 5));
    await this.file?.close();
    this.file = undefined;
  }

  // ── writing ──────────────────────────────────────────────────────────────

  private write(kind: RecordKind, payload: object, effect: WriteEffect = {}): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the outbox is closed'));
    const bytes = encodeRecord(kind, Buffer.from(JSON.stringify(payload), 'utf8'));
    return new Promise((resolve, reject) => {
      this.queue.push({ bytes, effect, done: (err) => (err ? reject(err) : resolve()) });
      if (!this.writing) void this.drain();
    });
  }

  /**
   * The single writer. Group commit: everything queued while the previous fdatasync ran goes
   * out in one write. Segment rotation happens here too, between groups, so no write can race
   * with the switch of files.
   */
  private async drain(): Promise<void> {
    this.writing = true;
    while (this.queue.length > 0) {
      const group = this.queue;
      this.queue = [];
      try {
        await this.appendDurably(Buffer.concat(group.map((w) => w.bytes)));
        for (const w of group) this.applyDurable(w.effect);
        for (const w of group) w.done();
        if (this.activeBytes >= this.options.segmentBytes) await this.rotate();
      } catch (err) {
        for (const w of group) w.done(err as Error);
      }
    }
    this.writing = false;
  }

  private async appendDurably(bytes: Buffer): Promise<void> {
    await this.file!.write(bytes);
    await this.file!.datasync();
    this.activeBytes += bytes.length;
  }

  private applyDurable(effect: WriteEffect): void {
    const segment = this.currentSegment();
    if (effect.readingNo !== undefined) {
      segment.maxReading = Math.max(segment.maxReading, effect.readingNo);
      this.durable.readingNo = Math.max(this.durable.readingNo, effect.readingNo);
    }
    if (effect.batch) {
      const { seq, id, upTo } = effect.batch;
      segment.unacked.add(seq);
      const entry = this.pendingBatches.get(seq);
      if (entry) entry.segment = segment;
      this.durable.head = { seq, id };
      this.durable.sealedUpTo = upTo;
    }
  }

  private currentSegment(): Segment {
    return this.segments[this.segments.length - 1]!;
  }

  private async openSegment(name: string, existingBytes: number): Promise<void> {
    await this.file?.close();
    this.file = await open(join(this.options.dir, name), 'a');
    this.activeBytes = existingBytes;
  }

  /** Starts a new segment with a Checkpoint of the durable state; runs inside drain() only. */
  private async rotate(): Promise<void> {
    const name = segmentName(this.durable.readingNo + 1);
    if (name <= this.currentSegment().name) return;
    this.segments.push({ name, maxReading: 0, unacked: new Set() });
    await this.openSegment(name, 0);
    const { head, readingNo, sealedUpTo } = this.durable;
    await this.appendDurably(encodeRecord(RecordKind.Checkpoint, Buffer.from(JSON.stringify({ seq: head.seq, id: head.id, readingNo, sealedUpTo }))));
    await this.deleteReleasedSegments();
  }

  private async deleteReleasedSegments(): Promise<void> {
    const oldestUnsealed = this.unsealedReadings[0]?.n ?? Infinity;
    while (this.segments.length > 1) {
      const oldest = this.segments[0]!;
      if (oldest.unacked.size > 0 || oldest.maxReading >= oldestUnsealed) return;
      this.segments.shift();
      await unlink(join(this.options.dir, oldest.name));
    }
  }

  // ── recovery ─────────────────────────────────────────────────────────────

  private async recover(): Promise<void> {
    const names = (await readdir(this.options.dir)).filter((n) => SEGMENT_PATTERN.test(n)).sort();
    let lastBytes = 0;
    for (const name of names) {
      const segment: Segment = { name, maxReading: 0, unacked: new Set() };
      this.segments.push(segment);
      const records = await this.readSegment(name);
      for (const record of records) this.apply(record, segment);
      lastBytes = records.reduce((sum, r) => sum + 16 + r.payload.length, 0);
    }
    if (this.segments.length === 0) {
      this.segments.push({ name: segmentName(1), maxReading: 0, unacked: new Set() });
      lastBytes = 0;
    }
    await this.openSegment(this.currentSegment().name, lastBytes);
    this.durable = { head: { ...this.head }, readingNo: this.readingNo, sealedUpTo: this.sealedUpTo };
    this.options.metrics.outboxPending.set(this.pendingBatches.size);
    if (names.length > 0) {
      this.options.logger.info(
        { pendingBatches: this.pendingBatches.size, unsealedReadings: this.unsealedReadings.length, seq: this.head.seq },
        'outbox recovered',
      );
    }
  }

  /** Reads a segment; damaged ranges are moved to corrupt/ and the segment rewritten without them. */
  private async readSegment(name: string): Promise<RawRecord[]> {
    const path = join(this.options.dir, name);
    const bytes = await readFile(path);
    const { records, damaged } = scanSegment(bytes);
    if (damaged.length === 0) return records;
    const corruptDir = join(this.options.dir, 'corrupt');
    await mkdir(corruptDir, { recursive: true });
    for (const range of damaged) {
      await writeFile(join(corruptDir, `${name}.${range.start}-${range.end}.bad`), bytes.subarray(range.start, range.end));
      this.options.metrics.outboxCorrupt.inc();
      this.options.logger.warn(
        { code: 'FT_ERR_OUTBOX_CORRUPT', segment: name, start: range.start, end: range.end },
        'outbox: damaged bytes moved aside (torn write or corruption); valid records kept',
      );
    }
    const clean = Buffer.concat(records.map((r) => encodeRecord(r.kind, r.payload)));
    const tmp = `${path}.tmp`;
    const handle = await open(tmp, 'w');
    await handle.write(clean);
    await handle.sync();
    await handle.close();
    await rename(tmp, path);
    return records;
  }

  private apply(record: RawRecord, segment: Segment): void {
    const body = JSON.parse(record.payload.toString('utf8')) as Record<string, unknown>;
    switch (record.kind) {
      case RecordKind.Checkpoint:
        this.head = { seq: body.seq as number, id: body.id as string };
        this.readingNo = Math.max(this.readingNo, body.readingNo as number);
        this.sealedUpTo = Math.max(this.sealedUpTo, body.sealedUpTo as number);
        break;
      case RecordKind.Reading: {
        const n = body.n as number;
        this.readingNo = Math.max(this.readingNo, n);
        segment.maxReading = Math.max(segment.maxReading, n);
        if (n > this.sealedUpTo) this.unsealedReadings.push({ n, reading: body.r as Reading });
        break;
      }
      case RecordKind.Batch: {
        const sealed = checkEnvelope(body.env);
        const seq = sealed.batch.seq;
        this.head = { seq, id: sealed.id };
        this.sealedUpTo = Math.max(this.sealedUpTo, body.upTo as number);
        while (this.unsealedReadings.length > 0 && this.unsealedReadings[0]!.n <= this.sealedUpTo) this.unsealedReadings.shift();
        segment.unacked.add(seq);
        this.pendingBatches.set(seq, { sealed, segment });
        break;
      }
      case RecordKind.Ack: {
        const entry = this.pendingBatches.get(body.seq as number);
        entry?.segment.unacked.delete(body.seq as number);
        this.pendingBatches.delete(body.seq as number);
        break;
      }
    }
  }
}
