/**
 * The durable outbox of an edge agent: every reading the agent accepts and every batch it
 * seals is in here before anyone is told so; a batch leaves only when the ingest has
 * acknowledged a durable commit (STYLE.md §4, DESIGN.md "Transport and acknowledgement").
 *
 * Layout: `<dir>/seg-<number>.log` segment files of records (format.ts), appended in order by a
 * single writer (writer.ts); `<dir>/corrupt/` holds damaged bytes moved aside at recovery.
 * Invariants:
 *  - file order is logical order: a Batch record follows the Readings records it covers;
 *  - reading numbers and batch seqs only grow, across restarts (Checkpoint records carry them
 *    into each new segment, so an old segment can be deleted);
 *  - a batch is offered to the forwarder only once its record is fdatasync'd, whatever the
 *    fsync policy: a batch the ingest may have seen is never re-sealed differently (a fork);
 *  - a segment is deleted only when none of its batches is unacknowledged and none of its
 *    readings is still unsealed — or, under the `drop-oldest` policy, when the disk bound
 *    forces it, which is logged and counted.
 */
import { mkdir, readdir, readFile, rename, unlink, writeFile, open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { FreshTrailError } from '../../common/errors.js';
import { GENESIS_PREV, sha256Hex, type Batch, type SealedBatch } from '../../protocol/batch.js';
import type { Reading } from '../../protocol/reading.js';
import type { AckStatus } from '../../protocol/ack.js';
import type { Logger } from '../../common/log.js';
import type { EdgeMetrics } from '../metrics.js';
import type { OutboxStatus } from '../status-types.js';
import { RecordKind, encodeRecord, scanSegment, type RawRecord } from './format.js';
import { RecentKeys } from './recent-keys.js';
import { SegmentWriter, type FsyncPolicy, type Segment } from './writer.js';

export type { FsyncPolicy } from './writer.js';
export type FullPolicy = 'block' | 'drop-oldest';

export const OUTBOX_DEFAULTS = {
  segmentBytes: 8 * 1024 * 1024,
  fsync: 'batch' as FsyncPolicy,
  fsyncIntervalMs: 1000,
  maxBytes: 1024 * 1024 * 1024,
  whenFull: 'block' as FullPolicy,
  recentKeys: 4096,
};

export interface OutboxOptions {
  dir: string;
  /** Called when batches read back from disk are ready to send (the forwarder's notify). */
  onBatchesLoaded?: () => void;
  /** The gateway id written into every batch. */
  gatewayId: string;
  logger: Logger;
  metrics: EdgeMetrics;
  /** Rotate to a new segment once the active one exceeds this many bytes. */
  segmentBytes?: number;
  fsync?: FsyncPolicy;
  fsyncIntervalMs?: number;
  /** Disk bound for all segments together. */
  maxBytes?: number;
  whenFull?: FullPolicy;
  /** How many device-message keys to remember for recognizing redeliveries after a restart. */
  recentKeys?: number;
  now?: () => number;
}

export interface ChainHead {
  seq: number;
  id: string;
}

/** Signs a batch; the outbox supplies seq, prev and readings so the chain stays consistent. */
export type BatchSigner = (batch: Batch) => SealedBatch;

export type AppendResult = 'accepted' | 'duplicate';

interface Unsealed {
  n: number;
  reading: Reading;
  /** Bytes this reading will take again inside its batch record: the space sealing needs. */
  size: number;
}

interface PendingBatch {
  seq: number;
  upTo: number;
  /** Readings in the batch, and the time of its first (for the age of the backlog). */
  count: number;
  firstTs?: number;
  /** Where its record is, once written. */
  segment?: Segment;
  offset?: number;
  length?: number;
  /** Offered to the forwarder only once fdatasync'd. */
  durable: boolean;
  /** In memory while in the window at the head of the queue; otherwise read back from disk. */
  sealed?: SealedBatch;
}

/**
 * Pending batches kept in memory at the head of the queue. The rest stay on disk and are read
 * back as acknowledgements free the window, so a backlog of weeks costs a small index in
 * memory, not the readings themselves (a Raspberry Pi has 1–8 GB for everything).
 */
const WINDOW = 256;

const SEGMENT_PATTERN = /^seg-(\d{16})\.log$/;
const segmentName = (n: number): string => `seg-${String(n).padStart(16, '0')}.log`;
/** A full outbox accepts readings again once below this fraction of the bound (no flapping). */
const RESUME_FRACTION = 0.95;

export class Outbox {
  private readonly options: Required<OutboxOptions>;
  private readonly segments: Segment[] = [];
  private writer!: SegmentWriter;
  private readingNo = 0;
  private sealedUpTo = 0;
  private head: ChainHead = { seq: 0, id: GENESIS_PREV };
  /** What the files hold (not merely queued): what a Checkpoint may claim. */
  private written = { head: { seq: 0, id: GENESIS_PREV } as ChainHead, readingNo: 0, sealedUpTo: 0 };
  private readonly unsealed: Unsealed[] = [];
  private unsealedBytes = 0;
  /** In seq order: batches are sealed one at a time and become durable in that order. */
  private readonly batches = new Map<number, PendingBatch>();
  private readonly keys: RecentKeys;
  /** Durable entries with `sealed` in memory: always a prefix of `batches`. */
  private loaded = 0;
  /** Some durable batches are on disk only. */
  private backlog = false;
  private refilling?: Promise<void>;
  private full = false;
  private dropped = 0;
  private lastAckAt?: number;
  private closed = false;

  private constructor(options: OutboxOptions) {
    this.options = { ...OUTBOX_DEFAULTS, now: Date.now, onBatchesLoaded: () => undefined, ...options } as Required<OutboxOptions>;
    this.keys = new RecentKeys(this.options.recentKeys);
  }

  /** Opens (or creates) the outbox in `dir`, recovering state and moving damage aside. */
  static async open(options: OutboxOptions): Promise<Outbox> {
    const outbox = new Outbox(options);
    await mkdir(options.dir, { recursive: true });
    await outbox.recover();
    return outbox;
  }

  /** Readings accepted but not sealed into a batch yet. */
  unsealedCount(): number {
    return this.unsealed.length;
  }

  /**
   * The oldest durable sealed batches awaiting an acknowledgement, in seq order: up to a window
   * of them (more are read back from disk as these are acknowledged; see pendingCount()).
   */
  pending(): SealedBatch[] {
    const out: SealedBatch[] = [];
    for (const entry of this.batches.values()) {
      if (!entry.durable || !entry.sealed) break;
      out.push(entry.sealed);
    }
    return out;
  }

  pendingCount(): number {
    let count = 0;
    for (const entry of this.batches.values()) if (entry.durable) count++;
    return count;
  }

  chainHead(): ChainHead {
    return { ...this.head };
  }

  status(): OutboxStatus {
    const firstBatch = this.batches.values().next().value as PendingBatch | undefined;
    const oldest = firstBatch?.firstTs ?? this.unsealed[0]?.reading.ts;
    return {
      unsealedReadings: this.unsealed.length,
      pendingBatches: this.pendingCount(),
      oldestUnackedTs: oldest,
      lastAckAt: this.lastAckAt,
      bytes: this.writer.totalBytes(),
      limitBytes: this.options.maxBytes,
      full: this.full,
      policy: this.options.whenFull,
      droppedReadings: this.dropped,
      chainSeq: this.head.seq,
    };
  }

  /**
   * Accepts a reading. Resolves once it is in the outbox file — written (survives a crash of
   * the process) and, with fsync `always`, fdatasync'd (survives a power cut). Resolves
   * 'duplicate' without storing when the transport redelivered a message already accepted.
   * Rejects with FT_ERR_OUTBOX_FULL when the disk bound is reached under the `block` policy.
   */
  appendReading(reading: Reading, meta?: { key?: string; redelivered?: boolean }): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new Error('the outbox is closed'));
    const key = meta?.key;
    if (key !== undefined && meta?.redelivered && this.keys.has(key)) {
      this.options.metrics.outboxDuplicates.inc();
      return Promise.resolve('duplicate');
    }
    const json = JSON.stringify(reading);
    if (this.options.whenFull === 'block' && this.wouldExceed(json.length)) {
      this.setFull(true);
      this.countDropped(1, 'full');
      return Promise.reject(
        new FreshTrailError('FT_ERR_OUTBOX_FULL', `the outbox holds ${this.writer.totalBytes()} bytes, its limit (outbox.maxBytes) is ${this.options.maxBytes}: the reading is refused until the ingest acknowledges batches`),
      );
    }
    const n = ++this.readingNo;
    this.unsealed.push({ n, reading, size: json.length });
    this.unsealedBytes += json.length;
    if (key !== undefined) this.keys.add(key);
    return this.writer.appendReading(n, json, key ?? null).then(() => 'accepted' as const);
  }

  /**
   * Seals up to `maxReadings` of the oldest unsealed readings into the next batch of the chain,
   * signs it and writes it. Resolves with the batch once fdatasync'd (from then on the
   * forwarder sees it), or undefined if nothing is unsealed.
   */
  async seal(sign: BatchSigner, maxReadings: number, createdAt: number): Promise<SealedBatch | undefined> {
    if (this.unsealed.length === 0) return undefined;
    const taken = this.unsealed.splice(0, maxReadings);
    for (const t of taken) this.unsealedBytes -= t.size;
    const upTo = taken[taken.length - 1]!.n;
    const batch: Batch = { v: 1, gateway: this.options.gatewayId, seq: this.head.seq + 1, prev: this.head.id, createdAt, readings: taken.map((t) => t.reading) };
    const sealed = sign(batch);
    const seq = sealed.batch.seq;
    this.head = { seq, id: sealed.id };
    this.sealedUpTo = upTo;
    const firstTs = taken[0]!.reading.ts;
    const entry: PendingBatch = { seq, upTo, count: taken.length, firstTs, durable: false, sealed };
    this.batches.set(seq, entry);
    const meta = Buffer.from(`${JSON.stringify({ seq, upTo, id: sealed.id, sig: sealed.sig, count: taken.length, firstTs })}\n`, 'utf8');
    const record = encodeRecord(RecordKind.Batch, Buffer.concat([meta, sealed.canonical]));
    await this.writer.appendRecord(record, {
      sync: true,
      onWritten: (segment, offset) => {
        entry.segment = segment;
        entry.offset = offset;
        entry.length = record.length;
        segment.unacked.add(seq);
        this.written.head = { seq, id: sealed.id };
        this.written.sealedUpTo = upTo;
      },
    });
    if (this.batches.has(seq)) {
      // (unless drop-oldest removed it meanwhile)
      entry.durable = true;
      if (!this.backlog && this.loaded < WINDOW) this.loaded++;
      else {
        entry.sealed = undefined; // behind a backlog on disk: read back when its turn comes
        this.backlog = true;
      }
    }
    this.updateGauges();
    return sealed;
  }

  /** Records the ingest's acknowledgement; the batch leaves the outbox. Unknown seqs are ignored. */
  async ack(seq: number, status: AckStatus | 'dead-letter'): Promise<void> {
    const entry = this.batches.get(seq);
    if (!entry) return;
    this.batches.delete(seq);
    if (entry.sealed && entry.durable) this.loaded--;
    entry.segment?.unacked.delete(seq);
    this.lastAckAt = this.options.now();
    if (this.backlog && this.loaded < WINDOW / 2) this.refill();
    this.updateGauges();
    // Not fdatasync'd: a lost Ack record only makes the batch be sent again, and the ingest
    // answers a resend as a duplicate.
    await this.writer.appendRecord(encodeRecord(RecordKind.Ack, Buffer.from(JSON.stringify({ seq, status }))), { sync: false });
    await this.deleteReleasedSegments();
  }

  /** Waits for queued writes, fdatasyncs, and closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.refilling;
    await this.writer.close();
  }

  // ── backlog on disk ──────────────────────────────────────────────────────

  /** Reads the next batches of the backlog into the window, one refill at a time. */
  private refill(): void {
    if (this.refilling || this.closed) return;
    this.refilling = this.loadBacklog()
      .catch((err: unknown) => this.options.logger.error({ err: (err as Error).message }, 'outbox: cannot read pending batches back from disk; retrying on the next acknowledgement'))
      .finally(() => {
        this.refilling = undefined;
        this.options.onBatchesLoaded();
      });
  }

  private async loadBacklog(): Promise<void> {
    const handles = new Map<string, FileHandle>();
    try {
      for (const entry of this.batches.values()) {
        if (this.loaded >= WINDOW) return;
        if (entry.sealed || !entry.durable || !entry.segment) continue;
        const segment = entry.segment;
        let handle = handles.get(segment.name);
        if (!handle) handles.set(segment.name, (handle = await open(join(this.options.dir, segment.name), 'r')));
        const bytes = Buffer.alloc(entry.length!);
        await handle.read(bytes, 0, bytes.length, entry.offset!);
        if (!this.batches.has(entry.seq)) continue; // acknowledged or dropped while reading
        const [record] = scanSegment(bytes).records;
        if (!record || record.kind !== RecordKind.Batch) throw new Error(`segment ${segment.name} holds no batch record at offset ${entry.offset}`);
        entry.sealed = decodeBatchRecord(record.payload, segment.name).sealed;
        this.loaded++;
      }
      this.backlog = false;
    } finally {
      for (const handle of handles.values()) await handle.close();
    }
  }

  // ── disk bound ───────────────────────────────────────────────────────────

  /** Sealing writes unsealed readings again, so their size is reserved as well. */
  private wouldExceed(incoming: number): boolean {
    return this.writer.totalBytes() + this.writer.queuedBytes() + this.unsealedBytes + incoming > this.options.maxBytes;
  }

  private setFull(full: boolean): void {
    if (full === this.full) return;
    this.full = full;
    this.options.metrics.outboxFull.set(full ? 1 : 0);
    if (full) {
      this.options.logger.warn(
        { code: 'FT_ERR_OUTBOX_FULL', bytes: this.writer.totalBytes(), maxBytes: this.options.maxBytes, policy: this.options.whenFull },
        this.options.whenFull === 'block'
          ? 'outbox full: new readings are refused until the ingest acknowledges batches (check the uplink)'
          : 'outbox full: the oldest unacknowledged data is being dropped to make room (check the uplink)',
      );
    } else {
      this.options.logger.info({ bytes: this.writer.totalBytes() }, 'outbox below its limit again');
    }
  }

  private countDropped(readings: number, reason: 'full' | 'drop-oldest'): void {
    this.dropped += readings;
    this.options.metrics.outboxDropped.inc({ reason }, readings);
  }

  /** drop-oldest: called by the writer before a write that would cross the bound. */
  private async makeRoom(incoming: number): Promise<void> {
    while (this.writer.totalBytes() + incoming + this.unsealedBytes > this.options.maxBytes) {
      if (this.segments.length === 1) {
        if (!(await this.writer.rotate())) return; // nothing but a checkpoint: cannot shrink
        continue;
      }
      this.setFull(true);
      await this.dropOldestSegment();
    }
  }

  private async dropOldestSegment(): Promise<void> {
    const oldest = this.segments[0]!;
    let readings = 0;
    const seqs: number[] = [];
    for (const seq of oldest.unacked) {
      const entry = this.batches.get(seq);
      if (!entry) continue;
      readings += entry.count;
      seqs.push(seq);
      this.batches.delete(seq);
      if (entry.sealed && entry.durable) this.loaded--;
    }
    let unsealedDropped = 0;
    while (this.unsealed.length > 0 && this.unsealed[0]!.n <= oldest.maxReading) {
      this.unsealedBytes -= this.unsealed.shift()!.size;
      unsealedDropped++;
    }
    await this.removeOldestSegment();
    this.countDropped(readings + unsealedDropped, 'drop-oldest');
    this.updateGauges();
    this.options.logger.warn(
      { segment: oldest.name, droppedBatches: seqs.length, firstSeq: seqs[0], lastSeq: seqs[seqs.length - 1], droppedReadings: readings + unsealedDropped },
      'outbox full (policy drop-oldest): dropped the oldest segment; the ingest will report the missing seqs as a gap',
    );
  }

  private async removeOldestSegment(): Promise<void> {
    const oldest = this.segments.shift()!;
    this.writer.forget(oldest);
    await unlink(join(this.options.dir, oldest.name));
  }

  private async deleteReleasedSegments(): Promise<void> {
    const oldestUnsealed = this.unsealed[0]?.n ?? Infinity;
    while (this.segments.length > 1) {
      const oldest = this.segments[0]!;
      if (oldest.unacked.size > 0 || oldest.maxReading >= oldestUnsealed) break;
      await this.removeOldestSegment();
    }
    if (this.full && !this.wouldExceed(this.options.maxBytes * (1 - RESUME_FRACTION))) this.setFull(false);
    this.updateGauges();
  }

  private updateGauges(): void {
    const m = this.options.metrics;
    m.outboxPending.set(this.batches.size);
    m.outboxUnsealed.set(this.unsealed.length);
    m.outboxBytes.set(this.writer.totalBytes());
  }

  // ── recovery ─────────────────────────────────────────────────────────────

  private async recover(): Promise<void> {
    const names = (await readdir(this.options.dir)).filter((n) => SEGMENT_PATTERN.test(n)).sort();
    for (const name of names) {
      const segment: Segment = { name, bytes: 0, maxReading: 0, unacked: new Set() };
      this.segments.push(segment);
      const records = await this.readSegment(name);
      for (const record of records) {
        try {
          this.apply(record, segment, segment.bytes);
        } catch (err) {
          // A record with a valid CRC that still cannot be understood (written by a buggy or
          // newer agent): set it aside like damage rather than refuse to start (no crash loop).
          await this.setAside(name, segment.bytes, encodeRecord(record.kind, record.payload), (err as Error).message);
        }
        segment.bytes += 16 + record.payload.length;
      }
    }
    if (this.segments.length === 0) this.segments.push({ name: segmentName(1), bytes: 0, maxReading: 0, unacked: new Set() });
    this.written = { head: { ...this.head }, readingNo: this.readingNo, sealedUpTo: this.sealedUpTo };
    this.writer = await SegmentWriter.open({
      dir: this.options.dir,
      segments: this.segments,
      segmentBytes: this.options.segmentBytes,
      fsync: this.options.fsync,
      fsyncIntervalMs: this.options.fsyncIntervalMs,
      checkpoint: () => this.checkpointRecord(),
      onReadingsWritten: (segment, maxN) => {
        segment.maxReading = Math.max(segment.maxReading, maxN);
        this.written.readingNo = Math.max(this.written.readingNo, maxN);
      },
      afterRotate: () => this.deleteReleasedSegments(),
      beforeWrite: this.options.whenFull === 'drop-oldest' ? (incoming) => this.makeRoom(incoming) : undefined,
    });
    this.updateGauges();
    if (this.backlog && this.loaded < WINDOW) this.refill(); // acknowledgements replayed above freed the window
    if (names.length > 0) {
      this.options.logger.info(
        { pendingBatches: this.batches.size, unsealedReadings: this.unsealed.length, seq: this.head.seq, bytes: this.writer.totalBytes() },
        'outbox recovered',
      );
    }
  }

  private checkpointRecord(): Buffer {
    const { head, readingNo, sealedUpTo } = this.written;
    const body = { seq: head.seq, id: head.id, readingNo, sealedUpTo, keys: this.keys.list() };
    return encodeRecord(RecordKind.Checkpoint, Buffer.from(JSON.stringify(body), 'utf8'));
  }

  /** Reads a segment; damaged ranges are moved to corrupt/ and the segment rewritten without them. */
  private async readSegment(name: string): Promise<RawRecord[]> {
    const path = join(this.options.dir, name);
    const bytes = await readFile(path);
    const { records, damaged } = scanSegment(bytes);
    if (damaged.length === 0) return records;
    for (const range of damaged) await this.setAside(name, range.start, bytes.subarray(range.start, range.end), 'torn write or corruption');
    const clean = Buffer.concat(records.map((r) => encodeRecord(r.kind, r.payload)));
    const tmp = `${path}.tmp`;
    const handle = await open(tmp, 'w');
    await handle.write(clean);
    await handle.sync();
    await handle.close();
    await rename(tmp, path);
    return records;
  }

  /** Replays one record at recovery; `offset` is where it starts in the (clean) segment file. */
  /** Keeps damaged or unreadable bytes in corrupt/ (never deleted), counted and logged. */
  private async setAside(segmentName: string, start: number, bytes: Buffer, why: string): Promise<void> {
    const corruptDir = join(this.options.dir, 'corrupt');
    await mkdir(corruptDir, { recursive: true });
    await writeFile(join(corruptDir, `${segmentName}.${start}-${start + bytes.length}.bad`), bytes);
    this.options.metrics.outboxCorrupt.inc();
    this.options.logger.warn(
      { code: 'FT_ERR_OUTBOX_CORRUPT', segment: segmentName, start, end: start + bytes.length, why },
      'outbox: bytes moved aside to corrupt/; every valid record kept',
    );
  }

  private apply(record: RawRecord, segment: Segment, offset: number): void {
    switch (record.kind) {
      case RecordKind.Checkpoint: {
        const body = JSON.parse(record.payload.toString('utf8')) as { seq: number; id: string; readingNo: number; sealedUpTo: number; keys?: string[] };
        this.head = { seq: body.seq, id: body.id };
        this.readingNo = Math.max(this.readingNo, body.readingNo);
        this.sealedUpTo = Math.max(this.sealedUpTo, body.sealedUpTo);
        for (const key of body.keys ?? []) this.keys.add(key);
        break;
      }
      case RecordKind.Readings: {
        const body = JSON.parse(record.payload.toString('utf8')) as { n: number; r: Reading[]; k?: Array<string | null> };
        body.r.forEach((reading, i) => {
          const n = body.n + i;
          const key = body.k?.[i];
          if (key) this.keys.add(key);
          this.readingNo = Math.max(this.readingNo, n);
          segment.maxReading = Math.max(segment.maxReading, n);
          if (n > this.sealedUpTo) {
            const size = JSON.stringify(reading).length;
            this.unsealed.push({ n, reading, size });
            this.unsealedBytes += size;
          }
        });
        break;
      }
      case RecordKind.Batch: {
        // Checked before any state changes, so a record set aside leaves no trace.
        const inWindow = !this.backlog && this.loaded < WINDOW;
        const { meta, sealed } = inWindow ? decodeBatchRecord(record.payload, segment.name) : { meta: checkBatchRecord(record.payload, segment.name), sealed: undefined };
        this.head = { seq: meta.seq, id: meta.id };
        const previousUpTo = this.sealedUpTo;
        this.sealedUpTo = Math.max(this.sealedUpTo, meta.upTo);
        while (this.unsealed.length > 0 && this.unsealed[0]!.n <= this.sealedUpTo) this.unsealedBytes -= this.unsealed.shift()!.size;
        segment.unacked.add(meta.seq);
        const entry: PendingBatch = { seq: meta.seq, upTo: meta.upTo, count: meta.count ?? meta.upTo - previousUpTo, firstTs: meta.firstTs, segment, offset, length: 16 + record.payload.length, durable: true };
        // Only the head of the queue is decoded now; the rest is read back when its turn comes.
        if (sealed) {
          entry.sealed = sealed;
          this.loaded++;
        } else this.backlog = true;
        this.batches.set(meta.seq, entry);
        break;
      }
      case RecordKind.Ack: {
        const body = JSON.parse(record.payload.toString('utf8')) as { seq: number };
        const entry = this.batches.get(body.seq);
        entry?.segment?.unacked.delete(body.seq);
        this.batches.delete(body.seq);
        if (entry?.sealed) this.loaded--;
        break;
      }
    }
  }
}

interface BatchRecordMeta {
  seq: number;
  upTo: number;
  id: string;
  sig: string;
  /** Readings in the batch and its first reading's time (absent in records written before they were added). */
  count?: number;
  firstTs?: number;
}

/** A Batch record's meta line, after checking that its signed bytes hash to the id it names. */
function checkBatchRecord(payload: Buffer, segmentName: string): BatchRecordMeta {
  const split = payload.indexOf(0x0a);
  const meta = JSON.parse(payload.subarray(0, split).toString('utf8')) as BatchRecordMeta;
  if (sha256Hex(payload.subarray(split + 1)) !== meta.id) throw new Error(`outbox segment ${segmentName}: batch ${meta.seq} does not hash to its id`);
  return meta;
}

/** A Batch record's payload: its meta line, then the batch's canonical bytes exactly as signed. */
function decodeBatchRecord(payload: Buffer, segmentName: string): { meta: BatchRecordMeta; sealed: SealedBatch } {
  const meta = checkBatchRecord(payload, segmentName);
  const canonical = Buffer.from(payload.subarray(payload.indexOf(0x0a) + 1));
  return { meta, sealed: { batch: JSON.parse(canonical.toString('utf8')) as Batch, sig: meta.sig, id: meta.id, canonical } };
}
