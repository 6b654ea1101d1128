/**
 * The external-broker half of per-gateway MQTT credentials (docs/transport-security.md
 * "Mosquitto"): a private Mosquitto process with the documented password file and ACL
 * (`pattern write freshtrail/v1/gateways/%u/batches`, `pattern read …/%u/acks`), a real ingest
 * subscribed through it with its own user, and gateways that can only use their own topics.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceAnswers } from '../common/net.js';
import { silentLogger } from '../common/log.js';
import { defaultIngestConfig } from '../ingest/config.js';
import { startIngest, type IngestHandle } from '../ingest/service.js';
import { TestGateway, envelopeBytes, tempDir } from '../ingest/test-helpers.js';
import { ackTopic, batchTopic, parseAck } from '../protocol/ack.js';
import { skipWithoutTool } from './support/tools.js';
import { waitFor } from './support/wait.js';

const skip = skipWithoutTool('mosquitto', 'apt-get install -y mosquitto');

/** The ACL of docs/transport-security.md. */
const ACL = `# the ingest: every gateway's batches, every gateway's acks
user freshtrail-ingest
topic read freshtrail/v1/gateways/+/batches
topic write freshtrail/v1/gateways/+/acks

# each gateway (user name = gateway id): its own batches and acks only
pattern write freshtrail/v1/gateways/%u/batches
pattern read freshtrail/v1/gateways/%u/acks
`;

const PASSWORDS = { 'freshtrail-ingest': 'ingest-secret-0123456789', 'gw-a': 'secret-of-a', 'gw-b': 'secret-of-b' } as const;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe.skipIf(skip)('Mosquitto with the documented per-gateway ACL', () => {
  const tmp = tempDir('ft-mosquitto-');
  let broker: ChildProcess;
  let url: string;
  let ingest: IngestHandle;
  const clients: MqttClient[] = [];
  const a = new TestGateway('gw-a');
  const b = new TestGateway('gw-b');

  beforeAll(async () => {
    const port = await freePort();
    url = `mqtt://127.0.0.1:${port}`;
    const passwordFile = join(tmp.dir, 'passwd');
    writeFileSync(passwordFile, '', { mode: 0o600 });
    for (const [user, password] of Object.entries(PASSWORDS)) execFileSync('mosquitto_passwd', ['-b', passwordFile, user, password], { stdio: 'ignore' });
    writeFileSync(join(tmp.dir, 'acl'), ACL);
    writeFileSync(
      join(tmp.dir, 'mosquitto.conf'),
      // `user`: started as root, Mosquitto would switch to user mosquitto, who cannot read our 0600 files.
      [`listener ${port} 127.0.0.1`, `user ${userInfo().username}`, 'allow_anonymous false', `password_file ${passwordFile}`, `acl_file ${join(tmp.dir, 'acl')}`, 'persistence false', 'log_dest stderr', ''].join('\n'),
    );
    broker = spawn('mosquitto', ['-c', join(tmp.dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    broker.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await waitFor(() => broker.exitCode === null && serviceAnswers('127.0.0.1', port, 200), 'mosquitto to listen', 10_000, 50).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; its log:\n${stderr}`);
    });
    const ingestUrl = `mqtt://freshtrail-ingest:${PASSWORDS['freshtrail-ingest']}@127.0.0.1:${port}`;
    ingest = await startIngest(defaultIngestConfig({ dataDir: join(tmp.dir, 'ingest'), http: { port: 0 }, mqtt: { url: ingestUrl, clientId: 'ft-acl-test' }, logLevel: 'silent' }), { logger: silentLogger() });
    for (const gw of [a, b]) await ingest.pipeline.enroll({ id: gw.id, publicKey: gw.publicKey });
  }, 30_000);

  afterAll(async () => {
    for (const c of clients) await c.endAsync(true);
    await ingest?.close();
    if (broker && broker.exitCode === null) {
      const exited = new Promise((r) => broker.once('exit', r));
      broker.kill('SIGTERM');
      await exited;
    }
    tmp.cleanup();
  });

  async function gateway(user: keyof typeof PASSWORDS, password: string = PASSWORDS[user]): Promise<{ client: MqttClient; acks: number[] }> {
    const client = await mqtt.connectAsync(url, { username: user, password, clientId: `acl-${user}-${clients.length}`, reconnectPeriod: 0, protocolVersion: 4 });
    clients.push(client);
    const acks: number[] = [];
    client.on('message', (topic, payload) => {
      if (topic.endsWith('/acks')) acks.push(parseAck(payload)?.seq ?? -1);
    });
    return { client, acks };
  }

  it('lets a gateway publish its own batches and read its own acks', async () => {
    const { client, acks } = await gateway('gw-a');
    await client.subscribeAsync(ackTopic(a.id), { qos: 1 });
    await client.publishAsync(batchTopic(a.id), envelopeBytes(a.next()), { qos: 1 });
    await waitFor(() => acks.includes(1), "gw-a's ack");
    expect((await ingest.store.getBatchHeader(a.id, 1))?.transport).toBe('mqtt');
  });

  it("drops a gateway's publish on another gateway's topic and withholds another gateway's acks", async () => {
    const intruder = await gateway('gw-a');
    // A subscription outside the ACL is accepted or refused by Mosquitto's version; either way nothing arrives.
    await intruder.client.subscribeAsync(ackTopic(b.id), { qos: 1 }).catch(() => undefined);
    // MQTT 3.1.1: Mosquitto PUBACKs a denied publish and drops it.
    await intruder.client.publishAsync(batchTopic(b.id), envelopeBytes(b.seal({ seq: 7, prev: '00'.repeat(32) })), { qos: 1 });
    const owner = await gateway('gw-b');
    await owner.client.subscribeAsync(ackTopic(b.id), { qos: 1 });
    await owner.client.publishAsync(batchTopic(b.id), envelopeBytes(b.next()), { qos: 1 });
    await waitFor(() => owner.acks.includes(1), "gw-b's ack");
    await new Promise((r) => setTimeout(r, 300));
    expect(intruder.acks).toEqual([]);
    expect(await ingest.store.getBatchHeader(b.id, 7)).toBeUndefined();
    expect(await ingest.store.listRejections(b.id)).toEqual([]);
  });

  it('refuses a wrong password', async () => {
    await expect(gateway('gw-a', 'not-the-secret')).rejects.toMatchObject({ code: expect.any(Number) });
  });
});
