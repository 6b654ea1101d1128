/**
 * `freshtrail bench anchor`: what anchoring costs on chain. A real anvil, the FreshTrailAnchor
 * contract, and the anchoring job (the production path: store queue, nonce, fees, inclusion)
 * anchoring the signed heads of epochs of 10,000 salted lot-digest leaves each; gas per lot is
 * the gas of one anchor transaction over the lots of its epoch (issue 6 target: ≤ 6).
 * verify_bundle_ms: bench/verify-bundle.ts.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Wallet } from 'ethers';
import { silentLogger } from '../common/log.js';
import { AnchorJob } from '../ingest/anchoring/anchor-job.js';
import { startAnvil } from '../ingest/anchoring/anvil.js';
import { deployAnchor } from '../ingest/anchoring/contract.js';
import { jobProvider } from '../ingest/anchoring/rpc.js';
import { openSqliteStore } from '../ingest/store/sqlite.js';
import { GENESIS_HEAD_HASH, headHash, type EpochHead } from '../protocol/epoch-head.js';
import { merkleRoot } from '../protocol/merkle.js';
import { round, type Report } from './report.js';
import { benchVerifyBundle } from './verify-bundle.js';

const LOTS_PER_EPOCH = 10_000;
const EPOCHS = 5;
const GWEI = 1_000_000_000n;

export async function benchAnchor(report: Report): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ft-bench-anchor-'));
  const anvil = await startAnvil();
  const store = openSqliteStore({ path: join(dir, 'ingest.sqlite') });
  const provider = jobProvider(anvil.rpcUrl, anvil.chainId);
  try {
    const deployer = new Wallet(anvil.privateKeys[0]!, provider);
    const anchorer = new Wallet(anvil.privateKeys[1]!);
    const { address, tx } = await deployAnchor(deployer, { anchorer: anchorer.address });
    await tx.wait();

    // Heads of epochs of 10,000 leaves; a leaf stands for a lot's salted digest (32 random bytes here).
    let prev = GENESIS_HEAD_HASH;
    for (let epoch = 1; epoch <= EPOCHS; epoch++) {
      const leaves = Array.from({ length: LOTS_PER_EPOCH }, () => randomBytes(32));
      const head: EpochHead = { v: 1, log: 'bench', epoch, treeSize: leaves.length, root: merkleRoot(leaves).toString('hex'), prev, closedAt: Date.now() };
      prev = headHash(head);
      await store.enqueueAnchorHead({ epoch, headHash: `0x${prev}`, leafCount: leaves.length }, Date.now());
    }

    const job = new AnchorJob({
      store,
      targets: [{ name: 'anvil', provider, chainId: anvil.chainId, contract: address, signer: anchorer, maxFeePerGas: 100n * GWEI, finality: 'confirmations', confirmations: 1 }],
      logger: silentLogger(),
    });
    for (let i = 0; i < EPOCHS * 4; i++) {
      await job.runOnce(Date.now());
      if ((await store.getAnchor('anvil', EPOCHS))?.status === 'final') break;
    }
    const gas: number[] = [];
    for (let epoch = 1; epoch <= EPOCHS; epoch++) {
      const anchor = await store.getAnchor('anvil', epoch);
      if (anchor?.status !== 'final' && anchor?.status !== 'included') throw new Error(`bench anchor: epoch ${epoch} is ${anchor?.status ?? 'missing'}`);
      const receipt = await provider.getTransactionReceipt(anchor.txHash!);
      gas.push(Number(receipt!.gasUsed));
    }
    const context = { lotsPerEpoch: LOTS_PER_EPOCH, epochs: EPOCHS, chain: 'anvil', contract: 'FreshTrailAnchor' };
    const median = [...gas].sort((a, b) => a - b)[Math.floor(gas.length / 2)]!;
    report({ bench: 'anchor', metric: 'gas_per_anchor', value: median, unit: 'gas', ...context });
    report({ bench: 'anchor', metric: 'gas_per_lot', value: round(median / LOTS_PER_EPOCH, 2), unit: 'gas', ...context });
    await benchVerifyBundle(report, dir);
  } finally {
    provider.destroy();
    await store.close();
    await anvil.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
