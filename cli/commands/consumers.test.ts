/**
 * `freshtrail consumers list|rewind` in-process against a real ingest API on a free port.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApi, type TestApi } from '../../ingest/http/test-api.js';
import type { IngestPipeline } from '../../ingest/pipeline.js';
import type { SqliteStore } from '../../ingest/store/sqlite.js';
import { TestGateway, envelopeBytes } from '../../ingest/test-helpers.js';
import { runCli } from '../../test/support/cli.js';

let api: TestApi;
let store: SqliteStore;
let pipeline: IngestPipeline;
let url: string;

beforeAll(async () => {
  api = await openTestApi({ services: { consumers: ['influx'] }, limits: { maxQuarantinePerGateway: 10 } });
  ({ store, pipeline } = api);
  url = await api.app.listen({ host: '127.0.0.1', port: 0 });
  const gw = new TestGateway('gw-1');
  await pipeline.enroll({ id: gw.id, publicKey: gw.publicKey });
  for (let i = 0; i < 3; i++) await pipeline.submit(envelopeBytes(gw.next()), { transport: 'http' });
});
afterAll(() => api.close());

describe('freshtrail consumers', () => {
  it('lists the consumers with their backlog and rewinds one', async () => {
    const last = (await store.committedBatchesAfter(0, 10)).at(-1)!.position;
    await store.setConsumerCursor('influx', last);
    const listed = await runCli('consumers', 'list', '--url', url);
    expect(listed.code).toBe(0);
    expect(listed.out).toContain(`influx\tyes\t${last}\t0\t0`);

    const rewound = await runCli('consumers', 'rewind', '--name', 'influx', '--position', '0', '--url', url);
    expect(rewound.code).toBe(0);
    expect(rewound.out).toContain(`cursor moved from ${last} to 0`);
    expect((await runCli('consumers', 'list', '--url', url)).out).toContain('influx\tyes\t0\t3\t9');
  });

  it('explains a missing option, an unknown consumer and an unreachable ingest', async () => {
    const missing = await runCli('consumers', 'rewind', '--name', 'influx', '--url', url);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('--name and --position');
    const unknown = await runCli('consumers', 'rewind', '--name', 'nope', '--position', '0', '--url', url);
    expect(unknown.code).not.toBe(0);
    expect(unknown.err).toContain('FT_ERR_NOT_FOUND');
    const down = await runCli('consumers', 'list', '--url', 'http://127.0.0.1:1');
    expect(down.code).not.toBe(0);
    expect(down.err).toContain('cannot reach the ingest');
  });
});
