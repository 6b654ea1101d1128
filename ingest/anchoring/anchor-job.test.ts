/**
 * The anchoring job on real anvil nodes and a real SQLite store: the happy path to final, a
 * restart, a stuck transaction replaced at the same nonce, a dropped one, a reorg, the fee cap,
 * an RPC outage behind a TCP proxy, two targets with one down, and a crash after recording.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { hexlify, randomBytes, Transaction, Wallet, type JsonRpcProvider } from 'ethers';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger, type Logger } from '../../common/log.js';
import { startAnvil, type Anvil } from './anvil.js';
import { counterValue } from '../../test/support/metrics.js';
import { tempDir } from '../test-helpers.js';
import { openSqliteStore, type SqliteStore } from '../store/sqlite.js';
import { AnchorJob, type AnchorRound, type AnchorTargetOptions } from './anchor-job.js';
import { AnchorContract, anchorInterface, deployAnchor } from './contract.js';
import { jobProvider } from './rpc.js';

const GWEI = 1_000_000_000n;
const T = 1_700_000_000_000;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Chain {
  anvil: Anvil;
  provider: JsonRpcProvider;
  contract: string;
  anchorer: Wallet;
  read: AnchorContract;
  /** Straight to anvil, for checks that must not go through a proxy. */
  direct: JsonRpcProvider;
}

async function chain(args: string[] = [], rpcUrl?: (anvil: Anvil) => Promise<string>): Promise<Chain> {
  const anvil = await startAnvil({ args });
  cleanups.push(() => anvil.stop());
  const direct = jobProvider(anvil.rpcUrl, anvil.chainId);
  const deployer = new Wallet(anvil.privateKeys[0]!, direct);
  const anchorer = new Wallet(anvil.privateKeys[1]!);
  const { address, tx } = await deployAnchor(deployer, { anchorer: anchorer.address });
  await tx.wait();
  cleanups.push(() => direct.destroy());
  const provider = jobProvider(rpcUrl ? await rpcUrl(anvil) : anvil.rpcUrl, anvil.chainId, { timeoutMs: 2_000 });
  cleanups.push(() => provider.destroy());
  return { anvil, provider, contract: address, anchorer, read: new AnchorContract(address, direct), direct };
}

function store(): SqliteStore {
  const tmp = tempDir();
  const s = openSqliteStore({ path: join(tmp.dir, 'ingest.sqlite') });
  cleanups.push(async () => {
    await s.close();
    tmp.cleanup();
  });
  return s;
}

function target(c: Chain, over: Partial<AnchorTargetOptions> = {}): AnchorTargetOptions {
  return { name: 'local', provider: c.provider, chainId: c.anvil.chainId, contract: c.contract, signer: c.anchorer, maxFeePerGas: 100n * GWEI, rebroadcastAfterMs: 60_000, ...over };
}

const heads = new Map<number, string>();
const headOf = (epoch: number): string => {
  if (!heads.has(epoch)) heads.set(epoch, hexlify(randomBytes(32)));
  return heads.get(epoch)!;
};
async function enqueue(s: SqliteStore, ...epochs: number[]): Promise<void> {
  for (const epoch of epochs) await s.enqueueAnchorHead({ epoch, headHash: headOf(epoch), leafCount: epoch * 10 }, T);
}

/** Runs rounds (time moving 1 s each, a block mined after each when `mine`) until `done`. */
async function runUntil(job: AnchorJob, done: () => Promise<boolean>, opts: { anvil?: Anvil; from?: number; rounds?: number } = {}): Promise<AnchorRound[][]> {
  const rounds: AnchorRound[][] = [];
  for (let i = 0; i < (opts.rounds ?? 30); i++) {
    rounds.push(await job.runOnce((opts.from ?? T) + i * 1000));
    if (await done()) return rounds;
    if (opts.anvil) await opts.anvil.rpc('anvil_mine', ['0x1']);
  }
  throw new Error(`not done after ${rounds.length} rounds: ${JSON.stringify(rounds.at(-1))}`);
}

const statuses = async (s: SqliteStore, name = 'local'): Promise<string[]> => (await s.listAnchors({ target: name, limit: 100 })).reverse().map((a) => `${a.epoch}:${a.status}`);
const allAre = (s: SqliteStore, status: string, n: number, name = 'local') => async (): Promise<boolean> => {
  const all = await s.listAnchors({ target: name, limit: 100 });
  return all.length === n && all.every((a) => a.status === status);
};

/** Anchored events of the contract: what the chain holds, with the transactions that put it there. */
async function anchoredOnChain(c: Chain): Promise<Array<{ epoch: number; txHash: string }>> {
  const event = anchorInterface.getEvent('Anchored')!;
  const logs = await c.direct.getLogs({ address: c.contract, topics: [event.topicHash], fromBlock: 0 });
  return logs.map((l) => ({ epoch: Number(anchorInterface.parseLog(l)!.args[0]), txHash: l.transactionHash }));
}

function capturingLogger(): { logger: Logger; lines: Array<{ level: number; msg: string }> } {
  const lines: Array<{ level: number; msg: string }> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
      cb();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

describe('AnchorJob on anvil', () => {
  it('anchors three epochs one after the other, included then final at the finalized block', async () => {
    const c = await chain(['--slots-in-an-epoch', '1']);
    const s = store();
    const registry = new Registry();
    const job = new AnchorJob({ store: s, targets: [target(c)], logger: silentLogger(), registry });
    await enqueue(s, 1, 2, 3);
    const rounds = await runUntil(job, allAre(s, 'final', 3), { anvil: c.anvil });
    // One transaction in flight: epoch n + 1 is sent in the round that sees n included.
    expect(rounds.flatMap((r) => r[0]!.sent)).toEqual([1, 2, 3]);
    expect(rounds[0]![0]!.sent).toEqual([1]);
    expect(rounds[1]![0]).toMatchObject({ included: [1], sent: [2] });
    for (const epoch of [1, 2, 3]) expect(await c.read.headOf(epoch)).toBe(headOf(epoch));
    expect(await c.read.latestEpoch()).toBe(3n);
    const anchors = (await s.listAnchors({ target: 'local', limit: 10 })).reverse();
    expect(anchors.map((a) => a.nonce)).toEqual([0, 1, 2]);
    for (const a of anchors) {
      const block = await c.provider.getBlock(a.blockNumber!);
      expect(block?.hash).toBe(a.blockHash);
      expect(a.broadcasts).toHaveLength(1);
      expect(a.txHash).toBe(a.broadcasts[0]!.txHash);
      expect(BigInt(a.broadcasts[0]!.maxFeePerGas)).toBeLessThanOrEqual(100n * GWEI);
    }
    expect((await s.anchorTarget('local'))?.nextNonce).toBe(3);
    const gauge = (await registry.getSingleMetric('freshtrail_anchor_epochs')!.get()).values;
    expect(gauge.find((v) => v.labels.status === 'final')?.value).toBe(3);
  });

  it('continues after a restart from the persisted nonce (a new job on the same store)', async () => {
    const c = await chain();
    const s = store();
    await enqueue(s, 1, 2);
    const first = new AnchorJob({ store: s, targets: [target(c, { finality: 'confirmations', confirmations: 3 })], logger: silentLogger() });
    await runUntil(first, async () => (await s.getAnchor('local', 1))?.status === 'included');
    expect((await s.anchorTarget('local'))?.nextNonce).toBe(2); // epoch 2 was sent in that round too
    // Restart: another process, same store. Epochs 3 arrives meanwhile.
    await enqueue(s, 3);
    const second = new AnchorJob({ store: s, targets: [target(c, { finality: 'confirmations', confirmations: 3 })], logger: silentLogger() });
    await runUntil(second, allAre(s, 'final', 3), { anvil: c.anvil, from: T + 100_000 });
    expect((await s.listAnchors({ target: 'local', limit: 10 })).reverse().map((a) => a.nonce)).toEqual([0, 1, 2]);
    expect(await c.provider.getTransactionCount(c.anchorer.address, 'latest')).toBe(3);
    expect((await anchoredOnChain(c)).map((e) => e.epoch)).toEqual([1, 2, 3]);
  });

  it('replaces a stuck transaction at the same nonce with fees +12.5 %, and it is included exactly once', async () => {
    const c = await chain();
    const s = store();
    const registry = new Registry();
    const job = new AnchorJob({ store: s, targets: [target(c, { finality: 'confirmations', confirmations: 1 })], logger: silentLogger(), registry });
    await c.anvil.rpc('anvil_setAutomine', [false]);
    await enqueue(s, 1, 2);
    expect((await job.runOnce(T))[0]!.sent).toEqual([1]);
    expect((await job.runOnce(T + 30_000))[0]).toMatchObject({ sent: [], rebroadcast: [] }); // not stuck yet
    expect((await job.runOnce(T + 61_000))[0]!.rebroadcast).toEqual([1]);
    const sent = (await s.getAnchor('local', 1))!;
    expect(sent.status).toBe('sent');
    expect(sent.broadcasts).toHaveLength(2);
    const [a, b] = sent.broadcasts.map((x) => Transaction.from(x.rawTx));
    expect(b!.nonce).toBe(a!.nonce);
    expect(b!.maxPriorityFeePerGas! * 1000n).toBeGreaterThanOrEqual(a!.maxPriorityFeePerGas! * 1125n);
    expect(b!.maxFeePerGas! * 1000n).toBeGreaterThanOrEqual(a!.maxFeePerGas! * 1125n);
    expect(await counterValue(registry.getSingleMetric('freshtrail_anchor_rebroadcasts_total') as never, { target: 'local' })).toBe(1);

    await c.anvil.rpc('anvil_mine', ['0x1']);
    await c.anvil.rpc('anvil_setAutomine', [true]);
    await runUntil(job, allAre(s, 'final', 2), { anvil: c.anvil, from: T + 70_000 });
    const included = (await s.getAnchor('local', 1))!;
    expect(included.txHash).toBe(sent.broadcasts[1]!.txHash);
    expect(await anchoredOnChain(c)).toEqual([
      { epoch: 1, txHash: included.txHash },
      { epoch: 2, txHash: (await s.getAnchor('local', 2))!.txHash },
    ]);
    expect(await c.read.headOf(1)).toBe(headOf(1));
    expect(await c.read.latestEpoch()).toBe(2n);
    expect(await c.provider.getTransactionCount(c.anchorer.address, 'latest')).toBe(2);
  });

  it('recognises the inclusion of an older broadcast after a replacement', async () => {
    const c = await chain();
    const s = store();
    const job = new AnchorJob({ store: s, targets: [target(c, { finality: 'confirmations', confirmations: 1 })], logger: silentLogger() });
    await c.anvil.rpc('anvil_setAutomine', [false]);
    await enqueue(s, 1);
    await job.runOnce(T);
    const first = (await s.getAnchor('local', 1))!.broadcasts[0]!;
    await job.runOnce(T + 61_000); // replaced
    // The node drops the replacement and mines the original (as a node that never saw the replacement would).
    const second = (await s.getAnchor('local', 1))!.broadcasts[1]!;
    await c.anvil.rpc('anvil_dropTransaction', [second.txHash]);
    await c.provider.broadcastTransaction(first.rawTx);
    await c.anvil.rpc('anvil_mine', ['0x1']);
    await job.runOnce(T + 62_000);
    expect(await s.getAnchor('local', 1)).toMatchObject({ status: 'final', txHash: first.txHash });
  });

  it('sends the same signed transaction again when the node dropped it', async () => {
    const c = await chain();
    const s = store();
    const registry = new Registry();
    const job = new AnchorJob({ store: s, targets: [target(c, { finality: 'confirmations', confirmations: 1 })], logger: silentLogger(), registry });
    await c.anvil.rpc('anvil_setAutomine', [false]);
    await enqueue(s, 1);
    await job.runOnce(T);
    const [sent] = (await s.getAnchor('local', 1))!.broadcasts;
    await c.anvil.rpc('anvil_dropTransaction', [sent!.txHash]);
    expect(await c.provider.getTransaction(sent!.txHash)).toBeNull();
    await job.runOnce(T + 1000);
    expect(await c.provider.getTransaction(sent!.txHash)).not.toBeNull();
    expect(await counterValue(registry.getSingleMetric('freshtrail_anchor_resends_total') as never, { target: 'local' })).toBe(1);
    await c.anvil.rpc('anvil_mine', ['0x1']);
    await job.runOnce(T + 2000);
    expect(await s.getAnchor('local', 1)).toMatchObject({ status: 'final', txHash: sent!.txHash, nonce: 0 });
    expect((await s.getAnchor('local', 1))!.broadcasts).toHaveLength(1);
  });

  it('re-anchors after a reorg removed the blocks of its anchors; the end state matches the chain', async () => {
    const c = await chain();
    const s = store();
    const registry = new Registry();
    const job = new AnchorJob({ store: s, targets: [target(c, { finality: 'confirmations', confirmations: 20 })], logger: silentLogger(), registry });
    await enqueue(s, 1, 2);
    await runUntil(job, allAre(s, 'included', 2), { anvil: c.anvil });
    const before = (await s.listAnchors({ target: 'local', limit: 10 })).reverse();
    const latest = await c.provider.getBlockNumber();
    // Replace every block from epoch 1's on with empty ones: both anchors leave the chain.
    await c.anvil.rpc('anvil_reorg', [latest - before[0]!.blockNumber! + 1, []]);
    expect(await c.read.latestEpoch()).toBe(0n);
    const rounds = await runUntil(job, allAre(s, 'final', 2), { anvil: c.anvil, from: T + 100_000, rounds: 40 });
    expect(rounds[0]![0]!.reorged).toEqual([1, 2]);
    expect(await counterValue(registry.getSingleMetric('freshtrail_anchor_reorgs_total') as never, { target: 'local' })).toBe(2);
    const after = (await s.listAnchors({ target: 'local', limit: 10 })).reverse();
    expect(after.map((a) => a.nonce)).toEqual([0, 1]); // the same nonces: the reorged transactions were sent again
    for (const a of after) {
      expect((await c.provider.getBlock(a.blockNumber!))?.hash).toBe(a.blockHash);
      expect(a.blockHash).not.toBe(before.find((b) => b.epoch === a.epoch)!.blockHash);
    }
    expect(await anchoredOnChain(c)).toEqual(after.map((a) => ({ epoch: a.epoch, txHash: a.txHash })));
    expect(await c.read.headOf(2)).toBe(headOf(2));
  });

  it('does not send while the fee needed is above the cap, and sends once the cap is raised', async () => {
    const c = await chain();
    const s = store();
    const registry = new Registry();
    await enqueue(s, 1);
    const capped = new AnchorJob({ store: s, targets: [target(c, { maxFeePerGas: GWEI / 2n, priorityFeePerGas: GWEI })], logger: silentLogger(), registry });
    const round = (await capped.runOnce(T))[0]!;
    expect(round.sent).toEqual([]);
    expect(round.error).toMatch(/above the cap of 0\.5 gwei/);
    expect(await s.getAnchor('local', 1)).toMatchObject({ status: 'pending', lastError: expect.stringMatching(/above the cap/) });
    expect(await counterValue(registry.getSingleMetric('freshtrail_anchor_fee_cap_refusals_total') as never, { target: 'local' })).toBe(1);
    expect(await c.provider.getTransactionCount(c.anchorer.address, 'pending')).toBe(0);
    const raised = new AnchorJob({ store: s, targets: [target(c, { maxFeePerGas: 10n * GWEI, priorityFeePerGas: GWEI, finality: 'confirmations', confirmations: 1 })], logger: silentLogger() });
    await runUntil(raised, allAre(s, 'final', 1), { anvil: c.anvil, from: T + 1000 });
    const a = (await s.getAnchor('local', 1))!;
    expect(a.lastError).toBeUndefined();
    expect(BigInt(a.broadcasts[0]!.maxFeePerGas)).toBeLessThanOrEqual(10n * GWEI);
  });

  it('waits out an RPC outage with state unchanged, logs it once, then catches up the backlog', async () => {
    const proxy = new TcpProxy();
    cleanups.push(() => proxy.close());
    const c = await chain([], async (anvil) => proxy.start(Number(new URL(anvil.rpcUrl).port)));
    const s = store();
    const registry = new Registry();
    const { logger, lines } = capturingLogger();
    const job = new AnchorJob({ store: s, targets: [target(c, { finality: 'confirmations', confirmations: 2 })], logger, registry });
    await enqueue(s, 1);
    await runUntil(job, allAre(s, 'final', 1), { anvil: c.anvil });

    await proxy.close();
    await enqueue(s, 2, 3, 4);
    for (let i = 0; i < 3; i++) expect((await job.runOnce(T + 50_000 + i * 1000))[0]!.error).toBeDefined();
    expect(await statuses(s)).toEqual(['1:final', '2:pending', '3:pending', '4:pending']);
    expect(await counterValue(registry.getSingleMetric('freshtrail_anchor_rpc_errors_total') as never, { target: 'local' })).toBe(3);
    expect(lines.filter((l) => /does not answer/.test(l.msg))).toHaveLength(1);

    await proxy.start();
    await runUntil(job, allAre(s, 'final', 4), { anvil: c.anvil, from: T + 60_000 });
    expect(lines.filter((l) => /answers again/.test(l.msg))).toHaveLength(1);
    expect(await c.read.latestEpoch()).toBe(4n);
  });

  it('a node that accepts connections but does not answer times the round out', async () => {
    const proxy = new TcpProxy();
    cleanups.push(() => proxy.close());
    const c = await chain([], async (anvil) => proxy.start(Number(new URL(anvil.rpcUrl).port)));
    const s = store();
    const job = new AnchorJob({ store: s, targets: [target(c, { finality: 'confirmations', confirmations: 1 })], logger: silentLogger() });
    await enqueue(s, 1);
    proxy.pause();
    const started = Date.now();
    const [round] = await job.runOnce(T);
    expect(round!.error).toBeDefined();
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await statuses(s)).toEqual(['1:pending']);
    proxy.paused = false;
    await runUntil(job, allAre(s, 'final', 1), { anvil: c.anvil, from: T + 10_000 });
  });

  it('two targets progress independently while one is down', async () => {
    const a = await chain();
    const b = await chain();
    const s = store();
    const job = new AnchorJob({
      store: s,
      targets: [target(a, { name: 'a', finality: 'confirmations', confirmations: 1 }), target(b, { name: 'b', finality: 'confirmations', confirmations: 1 })],
      logger: silentLogger(),
    });
    await enqueue(s, 1, 2);
    await b.anvil.stop();
    await runUntil(job, allAre(s, 'final', 2, 'a'));
    expect(await statuses(s, 'b')).toEqual(['1:pending', '2:pending']);
    expect(await a.read.latestEpoch()).toBe(2n);
  });

  it('recovers from a crash after recording a broadcast: the same raw transaction, no nonce gap', async () => {
    const c = await chain();
    const s = store();
    await enqueue(s, 1, 2);
    const t = target(c, { finality: 'confirmations', confirmations: 1 });
    // What the job writes before sending, for epoch 1 at nonce 0; the process "dies" before sending.
    await s.ensureAnchorTarget({ name: 'local', chainId: c.anvil.chainId, contract: c.contract, anchorer: c.anchorer.address }, T);
    await s.setAnchorNonce('local', 0, undefined, T);
    const data = anchorInterface.encodeFunctionData('anchor', [1, headOf(1), 10]);
    const raw = await c.anchorer.signTransaction({ type: 2, chainId: c.anvil.chainId, to: c.contract, nonce: 0, data, gasLimit: 100_000n, maxFeePerGas: 10n * GWEI, maxPriorityFeePerGas: GWEI });
    const hash = Transaction.from(raw).hash!;
    expect(await s.recordAnchorBroadcast('local', 1, 0, { txHash: hash, rawTx: raw, maxFeePerGas: (10n * GWEI).toString(), maxPriorityFeePerGas: GWEI.toString(), at: T })).toBe(true);

    const job = new AnchorJob({ store: s, targets: [t], logger: silentLogger() });
    await runUntil(job, allAre(s, 'final', 2), { anvil: c.anvil, from: T + 1000 });
    expect(await s.getAnchor('local', 1)).toMatchObject({ txHash: hash, nonce: 0 });
    expect(await s.getAnchor('local', 2)).toMatchObject({ nonce: 1 });
    expect(await c.provider.getTransactionCount(c.anchorer.address, 'latest')).toBe(2);
  });

  it('recovers from a crash after sending: finds the transaction mined', async () => {
    const c = await chain();
    const s = store();
    await enqueue(s, 1);
    await s.ensureAnchorTarget({ name: 'local', chainId: c.anvil.chainId, contract: c.contract, anchorer: c.anchorer.address }, T);
    await s.setAnchorNonce('local', 0, undefined, T);
    const data = anchorInterface.encodeFunctionData('anchor', [1, headOf(1), 10]);
    const raw = await c.anchorer.signTransaction({ type: 2, chainId: c.anvil.chainId, to: c.contract, nonce: 0, data, gasLimit: 100_000n, maxFeePerGas: 10n * GWEI, maxPriorityFeePerGas: GWEI });
    const hash = Transaction.from(raw).hash!;
    await s.recordAnchorBroadcast('local', 1, 0, { txHash: hash, rawTx: raw, maxFeePerGas: (10n * GWEI).toString(), maxPriorityFeePerGas: GWEI.toString(), at: T });
    await c.provider.broadcastTransaction(raw); // sent and mined (automine), then the crash
    const job = new AnchorJob({ store: s, targets: [target(c, { finality: 'confirmations', confirmations: 1 })], logger: silentLogger() });
    const [round] = await job.runOnce(T + 1000);
    expect(round).toMatchObject({ included: [1], final: [1], sent: [] });
    expect((await s.getAnchor('local', 1))!.broadcasts).toHaveLength(1);
  });

  it('stops a target whose key another sender used, without fighting over nonces', async () => {
    const c = await chain();
    const s = store();
    const registry = new Registry();
    const job = new AnchorJob({ store: s, targets: [target(c, { finality: 'confirmations', confirmations: 1 })], logger: silentLogger(), registry });
    await enqueue(s, 1);
    await runUntil(job, allAre(s, 'final', 1), { anvil: c.anvil });
    const intruder = c.anchorer.connect(c.provider);
    await (await intruder.sendTransaction({ to: intruder.address, value: 1n })).wait();
    await enqueue(s, 2);
    const [round] = await job.runOnce(T + 100_000);
    expect(round!.error).toMatch(/another sender used the anchorer key/);
    expect(await statuses(s)).toEqual(['1:final', '2:pending']);
    expect((await s.anchorTarget('local'))?.lastError).toMatch(/another sender/);
    expect(await counterValue(registry.getSingleMetric('freshtrail_anchor_nonce_conflicts_total') as never, { target: 'local' })).toBe(1);
    // The operator resets the nonce (forget it: re-read from the chain); anchoring resumes.
    await s.setAnchorNonce('local', undefined, undefined, T + 101_000);
    await runUntil(job, allAre(s, 'final', 2), { anvil: c.anvil, from: T + 102_000 });
    expect((await s.getAnchor('local', 2))?.nonce).toBe(2);
  });
});

/** A TCP proxy in front of anvil that can be closed (connection refused), restarted on its port, or paused (accepts, never answers). */
class TcpProxy {
  paused = false;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private port = 0;
  private upstream = 0;

  async start(upstream?: number): Promise<string> {
    if (upstream !== undefined) this.upstream = upstream;
    const server = createServer((client) => {
      this.sockets.add(client);
      client.on('close', () => this.sockets.delete(client));
      client.on('error', () => client.destroy());
      if (this.paused) return; // hold the connection, say nothing
      const up = connect(this.upstream, '127.0.0.1');
      this.sockets.add(up);
      up.on('close', () => this.sockets.delete(up));
      up.on('error', () => client.destroy());
      client.on('close', () => up.destroy());
      up.on('close', () => client.destroy());
      client.pipe(up).pipe(client);
    });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(this.port, '127.0.0.1', () => resolve()));
    this.server = server;
    this.port = (server.address() as { port: number }).port;
    return `http://127.0.0.1:${this.port}`;
  }

  /** New connections are held without an answer; open ones are cut. */
  pause(): void {
    this.paused = true;
    for (const s of this.sockets) s.destroy();
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
