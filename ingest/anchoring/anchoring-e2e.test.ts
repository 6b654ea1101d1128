/**
 * Anchoring end to end: the ingest as the CLI starts it, with anchoring enabled against a real
 * anvil node and a deployed FreshTrailAnchor. Events posted over HTTP close an epoch (job
 * "epochs"), the anchoring job (job "anchor") sends its head hash, and the contract's
 * `heads(epoch)` equals the hash of the stored, signed head. Also: the start refusals of a
 * missing or unusable head key.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Wallet } from 'ethers';
import { afterEach, describe, expect, it } from 'vitest';
import { isFreshTrailError } from '../../common/errors.js';
import { silentLogger } from '../../common/log.js';
import { writeNewKeyFiles } from '../../edge/keyfile.js';
import { checkSignedHead, headHash } from '../../protocol/epoch-head.js';
import { defaultIngestConfig, type IngestConfig } from '../config.js';
import { commingledChain } from '../events/chain-fixtures.js';
import { startIngest } from '../service.js';
import { tempDir } from '../test-helpers.js';
import { runCli } from '../../test/support/cli.js';
import type { EvidenceBundle } from '../../protocol/evidence.js';
import { startAnvil } from './anvil.js';
import { AnchorContract, deployAnchor } from './contract.js';
import { jobProvider } from './rpc.js';
import { adminHeaders } from '../../test/support/admin-key.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function dir(): string {
  const tmp = tempDir('freshtrail-anchoring-');
  cleanups.push(tmp.cleanup);
  return tmp.dir;
}

function config(dataDir: string, anchoring: Record<string, unknown>): IngestConfig {
  return defaultIngestConfig({
    dataDir,
    http: { port: 0 },
    mqtt: { embedded: { port: 0 } },
    shelfLife: { enabled: false },
    alerts: { silentSensors: { enabled: false } },
    logLevel: 'silent',
    anchoring: { enabled: true, ...anchoring },
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('anchoring, end to end', () => {
  it('closes an epoch over posted events and anchors its head hash on chain', async () => {
    const anvil = await startAnvil();
    cleanups.push(() => anvil.stop());
    const provider = jobProvider(anvil.rpcUrl, anvil.chainId);
    cleanups.push(() => provider.destroy());
    const anchorer = new Wallet(anvil.privateKeys[1]!);
    const { address, tx } = await deployAnchor(new Wallet(anvil.privateKeys[0]!, provider), { anchorer: anchorer.address });
    await tx.wait();

    const data = dir();
    const head = await writeNewKeyFiles(join(data, 'head.key'));
    const keyFile = join(data, 'anchorer.key');
    writeFileSync(keyFile, `${anvil.privateKeys[1]}\n`, { mode: 0o600 });
    const target = { name: 'anvil', rpcUrl: anvil.rpcUrl, chainId: Number(anvil.chainId), contract: address, keyFile, maxFeeGwei: 100, finality: 'confirmations', confirmations: 1 };
    const ingest = await startIngest(config(data, { headKeyFile: head.privateKeyPath, epochMinutes: 0.005, intervalMs: 200, targets: [target] }), { logger: silentLogger() });
    cleanups.push(() => ingest.close());

    const posted = await fetch(`${ingest.httpUrl}/api/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', ...adminHeaders(ingest) }, body: JSON.stringify(commingledChain()) });
    expect(posted.status).toBe(201);

    const stored = await until('epoch 1', () => ingest.store.epochHead(1));
    expect(checkSignedHead(stored, head.publicKeyHex)).toEqual([]);
    expect(stored.headHash).toBe(headHash(stored.head));
    expect(stored.head.treeSize).toBe(3);

    const contract = new AnchorContract(address, provider);
    const onChain = await until('heads(1) on chain', async () => (await contract.headOf(1)) ?? undefined);
    expect(onChain.toLowerCase()).toBe(`0x${stored.headHash}`);
    const anchor = await until('the anchor to be final', async () => {
      const a = await ingest.store.getAnchor('anvil', 1);
      return a?.status === 'final' ? a : undefined;
    });
    expect(anchor).toMatchObject({ epoch: 1, headHash: `0x${stored.headHash}`, leafCount: 3 });

    // The lot's evidence bundle from the API verifies with `freshtrail verify --rpc`, the head key pinned.
    const [leaf] = await ingest.store.epochLeaves(1);
    const res = await fetch(`${ingest.httpUrl}/api/v1/lots/${encodeURIComponent(leaf!.lot)}/evidence`, { headers: adminHeaders(ingest) });
    expect(res.status).toBe(200);
    const bundle = (await res.json()) as EvidenceBundle;
    expect(bundle.anchors).toEqual([expect.objectContaining({ chainId: anvil.chainId.toString(), epoch: 1, headHash: `0x${stored.headHash}`, status: 'final' })]);
    const history = (await (await fetch(`${ingest.httpUrl}/api/v1/lots/${encodeURIComponent(leaf!.lot)}`, { headers: adminHeaders(ingest) })).json()) as { anchoring: unknown };
    expect(history.anchoring).toEqual({
      status: 'final', epoch: 1, leafIndex: 0, committedAt: new Date(stored.head.closedAt).toISOString(), headHash: `0x${stored.headHash}`,
      anchors: [{ target: 'anvil', chainId: anvil.chainId.toString(), contract: address.toLowerCase(), epoch: 1, txHash: anchor.txHash, blockNumber: anchor.blockNumber, status: 'final' }],
    });
    const bundleFile = join(data, 'bundle.json');
    writeFileSync(bundleFile, JSON.stringify(bundle));
    const ok = await runCli('verify', bundleFile, '--rpc', anvil.rpcUrl, '--head-key', head.publicKeyHex);
    expect(ok.err).toBe('');
    expect(ok.out).toMatch(/✓ on-chain head: heads\(1\) = 0x/);
    expect(ok.code).toBe(0);
    const offline = await runCli('verify', bundleFile);
    expect(offline.code).toBe(0);
    expect(offline.out).toMatch(/- on-chain head: skipped/);

    // Another contract holding another head for epoch 1: the on-chain check fails, and only it.
    const other = await deployAnchor(new Wallet(anvil.privateKeys[2]!, provider));
    await other.tx.wait();
    await (await new AnchorContract(other.address, new Wallet(anvil.privateKeys[2]!, provider)).anchor(1, `0x${'42'.repeat(32)}`, 1)).wait();
    writeFileSync(bundleFile, JSON.stringify({ ...bundle, anchors: bundle.anchors.map((a) => ({ ...a, contract: other.address })) }));
    const bad = await runCli('verify', bundleFile, '--rpc', anvil.rpcUrl, '--json');
    expect(bad.code).toBe(1);
    const report = JSON.parse(bad.out) as { ok: boolean; checks: Array<{ name: string; ok: boolean; detail: string }> };
    expect(report.ok).toBe(false);
    expect(report.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['on-chain head']);
    expect(report.checks.at(-1)!.detail).toMatch(/heads\(1\) is 0x4242/);
    expect((await runCli('verify')).code).toBe(2);
  }, 60_000);

  it('refuses to start without a usable head key, naming the option', async () => {
    const data = dir();
    const refusal = async (anchoring: Record<string, unknown>): Promise<string> => {
      const err = await startIngest(config(data, anchoring), { logger: silentLogger() }).then(
        (h) => h.close().then(() => undefined),
        (e: unknown) => e,
      );
      expect(isFreshTrailError(err) && err.code).toBe('FT_ERR_CONFIG');
      return (err as Error).message;
    };
    expect(await refusal({})).toMatch(/anchoring\.headKeyFile is required/);
    expect(await refusal({ headKeyFile: join(data, 'missing.key') })).toMatch(/anchoring\.headKeyFile .*missing\.key cannot be read \(ENOENT\)/);
    const notEd25519 = join(data, 'eth.key');
    writeFileSync(notEd25519, `0x${'11'.repeat(32)}\n`, { mode: 0o600 });
    expect(await refusal({ headKeyFile: notEd25519 })).toMatch(/is not an Ed25519 PKCS#8 PEM key/);
  });
});
