/**
 * Appends audit entries for the HTTP hooks with group commit: the entries of requests that
 * answer in the same event-loop turn go into the store in one transaction (one fsync on
 * SQLite FULL, one commit on PostgreSQL), and each request waits for its own entry to be
 * committed before its answer leaves (auth-hooks.ts). Order within a group is arrival order.
 */
import type { AuthStore, NewAuditEntry } from '../store/auth-types.js';

interface Pending {
  entry: NewAuditEntry;
  resolve(): void;
  reject(err: unknown): void;
}

export class AuditWriter {
  private queue: Pending[] = [];
  private scheduled = false;
  /** The group being written: the next one starts after it, so groups commit in order. */
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly store: Pick<AuthStore, 'appendAudit'>) {}

  append(entry: NewAuditEntry): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ entry, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        const group = this.queue;
        this.queue = [];
        this.writing = this.writing.then(async () => {
          try {
            await this.store.appendAudit(group.map((p) => p.entry));
            for (const p of group) p.resolve();
          } catch (err) {
            for (const p of group) p.reject(err);
          }
        });
      });
    });
  }
}
