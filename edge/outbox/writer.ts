/**
 * The single writer of the outbox segment files. Everything queued while the previous write
 * ran goes out in one write(2) (group commit); consecutive readings share one Readings record.
 * Segment rotation and the drop-oldest hook run here too, between groups, so no write races
 * with a switch of files.
 *
 * fsync policies (what a resolved promise guarantees):
 *  - `batch` (default): readings are written at once — they survive a crash or kill -9 of the
 *    process, since the kernel holds the pages — and fdatasync'd together with the batch record
 *    that seals them, so a power cut loses at most the readings of the batch being filled
 *    (batch.maxAgeMs). One fdatasync per batch is what makes ≥150k readings/s possible on an
 *    SD card or eMMC where one costs ~0.3 ms.
 *  - `always`: every write group is fdatasync'd before its promises resolve; a power cut loses
 *    nothing that was accepted, at one fdatasync per group of concurrent readings.
 *  - `interval`: fdatasync every fsyncIntervalMs; batch records wait for it before they count.
 *    Fewest flash writes (SD-card wear) at the price of latency.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { RecordKind, encodeTextRecord } from './format.js';

export type FsyncPolicy = 'batch' | 'always' | 'interval';

export interface Segment {
  name: string;
  /** Bytes in the file. */
  bytes: number;
  /** Bytes it had when created (its Checkpoint): a segment with no more holds nothing new. */
  baseBytes?: number;
  /** Highest reading number stored in this segment (0 if none). */
  maxReading: number;
  /** Seqs of batches stored in this segment and not yet acknowledged. */
  unacked: Set<number>;
}

interface Completion {
  resolve(): void;
  reject(err: Error): void;
}

type Job =
  | { kind: 'reading'; n: number; json: string; key: string | null; done: Completion }
  | { kind: 'record'; bytes: Buffer; sync: boolean; onWritten?: (segment: Segment, offset: number) => void; done: Completion };

export interface SegmentWriterOptions {
  dir: string;
  /** The outbox's segment list, oldest first; the last is appended to. Rotation pushes onto it. */
  segments: Segment[];
  segmentBytes: number;
  fsync: FsyncPolicy;
  fsyncIntervalMs: number;
  /** The Checkpoint record that starts a new segment. */
  checkpoint(): Buffer;
  onReadingsWritten(segment: Segment, maxN: number): void;
  afterRotate(): Promise<void>;
  /** Runs before each write with its size (the drop-oldest policy makes room here). */
  beforeWrite?: (incoming: number) => Promise<void>;
}

const segmentNumber = (name: string): number => Number(/(\d+)/.exec(name)![1]);
const segmentName = (n: number): string => `seg-${String(n).padStart(16, '0')}.log`;

export class SegmentWriter {
  private file!: FileHandle;
  private total = 0;
  private queue: Job[] = [];
  private queuedSize = 0;
  private writing = false;
  private idle: Promise<void> = Promise.resolve();
  /** Written, waiting for a datasync that starts after their write. */
  private awaitingSync: Completion[] = [];
  private dirty = false;
  /** The datasync in flight. Writes go on meanwhile: the fsync of one batch overlaps the next. */
  private syncing?: Promise<void>;
  private timer?: NodeJS.Timeout;

  private constructor(private readonly options: SegmentWriterOptions) {}

  static async open(options: SegmentWriterOptions): Promise<SegmentWriter> {
    const writer = new SegmentWriter(options);
    writer.total = options.segments.reduce((sum, s) => sum + s.bytes, 0);
    writer.file = await open(join(options.dir, writer.current().name), 'a');
    if (options.fsync === 'interval') {
      writer.timer = setInterval(() => {
        writer.kickSync();
      }, options.fsyncIntervalMs);
      writer.timer.unref();
    }
    return writer;
  }

  totalBytes(): number {
    return this.total;
  }

  queuedBytes(): number {
    return this.queuedSize;
  }

  appendReading(n: number, json: string, key: string | null): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queuedSize += json.length;
      this.enqueue({ kind: 'reading', n, json, key, done: { resolve, reject } });
    });
  }

  /** `sync`: the promise resolves only once the record is fdatasync'd (under any policy). */
  /** `onWritten` learns the segment and the byte offset the record landed at. */
  appendRecord(bytes: Buffer, opts: { sync: boolean; onWritten?: (segment: Segment, offset: number) => void }): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queuedSize += bytes.length;
      this.enqueue({ kind: 'record', bytes, sync: opts.sync, onWritten: opts.onWritten, done: { resolve, reject } });
    });
  }

  /** The outbox deleted this segment's file: stop counting its bytes. */
  forget(segment: Segment): void {
    this.total -= segment.bytes;
  }

  /**
   * Starts a new segment with a Checkpoint; only from inside a write group (drain or the
   * beforeWrite hook). False when the active segment holds nothing but its Checkpoint.
   */
  async rotate(): Promise<boolean> {
    const current = this.current();
    if (current.bytes <= (current.baseBytes ?? 0)) return false;
    await this.syncAll(); // the old segment is durable before a Checkpoint claims its state
    await this.file.close();
    const segment: Segment = { name: segmentName(segmentNumber(current.name) + 1), bytes: 0, maxReading: 0, unacked: new Set() };
    this.options.segments.push(segment);
    this.file = await open(join(this.options.dir, segment.name), 'a');
    const checkpoint = this.options.checkpoint();
    await this.file.write(checkpoint);
    await this.file.datasync();
    await this.syncDirectory(); // the new file's name must survive a power cut too
    segment.bytes = segment.baseBytes = checkpoint.length;
    this.total += checkpoint.length;
    await this.options.afterRotate();
    return true;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    while (this.writing || this.queue.length > 0) await this.idle;
    await this.syncAll();
    await this.file.close();
  }

  private current(): Segment {
    return this.options.segments[this.options.segments.length - 1]!;
  }

  private enqueue(job: Job): void {
    this.queue.push(job);
    if (!this.writing) this.idle = this.drain();
  }

  private async drain(): Promise<void> {
    this.writing = true;
    while (this.queue.length > 0) {
      const group = this.queue;
      this.queue = [];
      this.queuedSize = 0;
      try {
        await this.writeGroup(group);
      } catch (err) {
        for (const job of group) job.done.reject(err as Error);
      }
    }
    this.writing = false;
  }

  private async writeGroup(group: Job[]): Promise<void> {
    const { bytes, readingRuns, offsets } = encodeGroup(group);
    if (bytes.length > 0) {
      await this.options.beforeWrite?.(bytes.length);
      const segment = this.current();
      const base = segment.bytes;
      try {
        // A regular file takes a short write only at a limit (ENOSPC, RLIMIT_FSIZE): write the
        // rest, which then fails with the reason.
        for (let done = 0; done < bytes.length; ) done += (await this.file.write(bytes, done, bytes.length - done)).bytesWritten;
      } catch (err) {
        // A failed write (ENOSPC, EIO) may have left part of the group behind: cut it off so the
        // offsets the outbox keeps stay true and the next group starts on a record boundary.
        await this.file.truncate(base).catch(() => undefined);
        throw err;
      }
      this.dirty = true;
      segment.bytes += bytes.length;
      this.total += bytes.length;
      for (const maxN of readingRuns) this.options.onReadingsWritten(segment, maxN);
      group.forEach((job, i) => {
        if (job.kind === 'record') job.onWritten?.(segment, base + offsets[i]!);
      });
    }
    const policy = this.options.fsync;
    for (const job of group) {
      if (policy === 'always' || (job.kind === 'record' && job.sync)) this.awaitingSync.push(job.done);
      else job.done.resolve();
    }
    if (policy !== 'interval' && this.awaitingSync.length > 0) this.kickSync();
    if (this.current().bytes >= this.options.segmentBytes) await this.rotate();
  }

  /**
   * Starts a datasync for what is written now, unless one is in flight (its end starts the next
   * if writes waited meanwhile). A waiter resolves only through a datasync begun after its write.
   */
  private kickSync(): void {
    if (this.syncing || (!this.dirty && this.awaitingSync.length === 0)) return;
    const waiters = this.awaitingSync;
    this.awaitingSync = [];
    const dirty = this.dirty;
    this.dirty = false;
    this.syncing = (dirty ? this.file.datasync() : Promise.resolve())
      .then(
        () => waiters.forEach((w) => w.resolve()),
        (err: Error) => waiters.forEach((w) => w.reject(err)),
      )
      .finally(() => {
        this.syncing = undefined;
        if (this.options.fsync !== 'interval' && this.awaitingSync.length > 0) this.kickSync();
      });
  }

  /** Until everything written is fdatasync'd and every waiter answered. */
  private async syncAll(): Promise<void> {
    while (this.syncing || this.dirty || this.awaitingSync.length > 0) {
      this.kickSync();
      await this.syncing;
    }
  }

  private async syncDirectory(): Promise<void> {
    const dir = await open(this.options.dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}

/**
 * One buffer for the group; runs of consecutive readings become one Readings record each.
 * `offsets[i]` is where job i's record starts in the buffer (records only).
 */
function encodeGroup(group: Job[]): { bytes: Buffer; readingRuns: number[]; offsets: number[] } {
  const parts: Buffer[] = [];
  const readingRuns: number[] = [];
  const offsets: number[] = [];
  let size = 0;
  let run: Array<Extract<Job, { kind: 'reading' }>> = [];
  const flush = (): void => {
    if (run.length === 0) return;
    const keys = run.some((j) => j.key !== null) ? `,"k":${JSON.stringify(run.map((j) => j.key))}` : '';
    const record = encodeTextRecord(RecordKind.Readings, `{"n":${run[0]!.n},"r":[${run.map((j) => j.json).join(',')}]${keys}}`);
    parts.push(record);
    size += record.length;
    readingRuns.push(run[run.length - 1]!.n);
    run = [];
  };
  group.forEach((job, i) => {
    if (job.kind === 'reading') run.push(job);
    else {
      flush();
      if (job.kind === 'record') {
        offsets[i] = size;
        parts.push(job.bytes);
        size += job.bytes.length;
      }
    }
  });
  flush();
  return { bytes: parts.length === 1 ? parts[0]! : Buffer.concat(parts), readingRuns, offsets };
}
