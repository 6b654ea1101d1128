/**
 * Dead letters: batches the ingest rejected for good (bad signature, fork, schema). They leave
 * the outbox only after they are written here with the reason, so an operator can inspect them;
 * never silently deleted.
 */
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import type { SealedBatch } from '../../protocol/batch.js';
import type { Ack } from '../../protocol/ack.js';

export async function writeDeadLetter(dir: string, sealed: SealedBatch, ack: Ack, at: number): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `seq-${String(sealed.batch.seq).padStart(10, '0')}-${sealed.id.slice(0, 12)}.json`);
  const handle = await open(path, 'w', 0o600);
  try {
    const record = { rejectedAt: new Date(at).toISOString(), code: ack.code, reason: ack.reason, id: sealed.id, envelope: { batch: sealed.batch, sig: sealed.sig } };
    await handle.writeFile(`${JSON.stringify(record, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return path;
}
