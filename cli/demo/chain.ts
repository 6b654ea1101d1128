/**
 * The demo's chain: a local anvil node with the FreshTrailAnchor contract deployed, and the
 * ingest's anchoring configuration for it (a fresh head key, anvil's second dev account as the
 * anchorer), so `freshtrail demo` closes epochs every few seconds and anchors them on chain.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Wallet } from 'ethers';
import { writeNewKeyFiles } from '../../edge/keyfile.js';
import { startAnvil, type Anvil } from '../../ingest/anchoring/anvil.js';
import { deployAnchor } from '../../ingest/anchoring/contract.js';
import { jobProvider } from '../../ingest/anchoring/rpc.js';
import type { IngestConfig } from '../../ingest/config.js';

export interface DemoChain {
  anvil: Anvil;
  contract: string;
  /** The ingest's `anchoring` section for this chain. */
  anchoring: Partial<IngestConfig['anchoring']>;
  /** Raw public key of the ingest's head key (what verifiers are given). */
  headPublicKeyHex: string;
}

export async function startDemoChain(keyDir: string, epochSeconds: number): Promise<DemoChain> {
  const anvil = await startAnvil();
  try {
    const provider = jobProvider(anvil.rpcUrl, anvil.chainId);
    const deployer = new Wallet(anvil.privateKeys[0]!, provider);
    const anchorer = new Wallet(anvil.privateKeys[1]!);
    const { address, tx } = await deployAnchor(deployer, { anchorer: anchorer.address });
    await tx.wait();
    provider.destroy();

    const anchorerKeyFile = join(keyDir, 'anchorer.eth.key');
    await writeFile(anchorerKeyFile, `${anchorer.privateKey}\n`, { mode: 0o600 });
    const head = await writeNewKeyFiles(join(keyDir, 'ingest-head.key'), { force: true });
    return {
      anvil,
      contract: address,
      headPublicKeyHex: head.publicKeyHex,
      anchoring: {
        enabled: true,
        log: 'freshtrail-demo',
        headKeyFile: join(keyDir, 'ingest-head.key'),
        epochMinutes: epochSeconds / 60,
        intervalMs: 1000,
        targets: [
          {
            name: 'anvil',
            rpcUrl: anvil.rpcUrl,
            chainId: Number(anvil.chainId),
            contract: address,
            keyFile: anchorerKeyFile,
            maxFeeGwei: 100,
            // anvil mines a block per transaction: one confirmation is final enough for a demo.
            finality: 'confirmations',
            confirmations: 1,
            rebroadcastAfterMs: 180_000,
            fromBlock: 0,
            requestTimeoutMs: 15_000,
          },
        ],
      },
    };
  } catch (err) {
    await anvil.stop();
    throw err;
  }
}
