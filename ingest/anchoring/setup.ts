/**
 * What the `anchoring` configuration needs before the ingest starts (service.ts): the head key
 * and, per target, its Ethereum key and a provider pinned to its chain. Anything unusable stops
 * the start with FT_ERR_CONFIG naming the option; an endpoint that does not answer at start does
 * not (the anchoring job waits out outages), but one that answers with another chain id does.
 */
import type { KeyObject } from 'node:crypto';
import { parseUnits } from 'ethers';
import { FreshTrailError, errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/log.js';
import { loadPrivateKey } from '../../edge/keyfile.js';
import type { AnchoringConfig } from '../config.js';
import type { AnchorTargetOptions } from './anchor-target.js';
import { connectChain, jobProvider, loadEthereumKey } from './rpc.js';

export interface AnchoringSetup {
  headKey: KeyObject;
  /** Raw Ed25519 public key, 64 hex characters: what verifiers check heads with. */
  headPublicKeyHex: string;
  targets: AnchorTargetOptions[];
  /** Destroys the targets' RPC providers; call once the anchoring job has stopped (the ingest's close). */
  close(): void;
}

const destroyProviders = (targets: readonly AnchorTargetOptions[]): void => {
  for (const t of targets) t.provider.destroy();
};

const configError = (message: string, cause?: unknown): FreshTrailError => new FreshTrailError('FT_ERR_CONFIG', message, cause === undefined ? undefined : { cause });

/** The head key: an Ed25519 PKCS#8 PEM file that only its owner can read (read as gateway keys are). */
export async function loadHeadKey(path: string | undefined): Promise<{ headKey: KeyObject; headPublicKeyHex: string }> {
  if (path === undefined) throw configError('anchoring.headKeyFile is required when anchoring.enabled is true: create a head key with `freshtrail keygen --out FILE` and set anchoring.headKeyFile to FILE');
  try {
    const { privateKey, publicKeyHex } = await loadPrivateKey(path, 'anchoring.headKeyFile');
    return { headKey: privateKey, headPublicKeyHex: publicKeyHex };
  } catch (err) {
    throw configError(errorMessage(err), err);
  }
}

export async function prepareAnchoring(config: AnchoringConfig, logger: Logger): Promise<AnchoringSetup | undefined> {
  if (!config.enabled) return undefined;
  const { headKey, headPublicKeyHex } = await loadHeadKey(config.headKeyFile);
  const targets: AnchorTargetOptions[] = [];
  try {
    const names = new Set<string>();
    for (const t of config.targets) {
      const where = `anchoring.targets "${t.name}"`;
      if (names.has(t.name)) throw configError(`${where}: two targets with this name; names must be unique`);
      names.add(t.name);
      targets.push(await prepareTarget(t, where, logger));
    }
  } catch (err) {
    // A later target's error must not leak the providers of the ones before it.
    destroyProviders(targets);
    throw err;
  }
  logger.info({ headPublicKey: headPublicKeyHex, targets: targets.map((t) => t.name) }, 'anchoring enabled: epoch heads are signed with this head key (give it to verifiers)');
  return { headKey, headPublicKeyHex, targets, close: () => destroyProviders(targets) };
}

async function prepareTarget(t: AnchoringConfig['targets'][number], where: string, logger: Logger): Promise<AnchorTargetOptions> {
  let signer;
  try {
    signer = await loadEthereumKey(t.keyFile);
  } catch (err) {
    throw configError(`${where}: keyFile: ${errorMessage(err)}`, err);
  }
  await checkChainId(t.rpcUrl, BigInt(t.chainId), t.requestTimeoutMs, where, logger);
  return {
    name: t.name,
    provider: jobProvider(t.rpcUrl, BigInt(t.chainId), { timeoutMs: t.requestTimeoutMs }),
    chainId: BigInt(t.chainId),
    contract: t.contract,
    signer,
    maxFeePerGas: parseUnits(String(t.maxFeeGwei), 'gwei'),
    priorityFeePerGas: t.priorityFeeGwei === undefined ? undefined : parseUnits(String(t.priorityFeeGwei), 'gwei'),
    rebroadcastAfterMs: t.rebroadcastAfterMs,
    finality: t.finality,
    confirmations: t.confirmations,
    fromBlock: t.fromBlock,
  };
}

async function checkChainId(rpcUrl: string, expected: bigint, timeoutMs: number, where: string, logger: Logger): Promise<void> {
  let chainId: bigint;
  try {
    const connection = await connectChain(rpcUrl, { timeoutMs });
    chainId = connection.chainId;
    connection.provider.destroy();
  } catch (err) {
    if (err instanceof FreshTrailError && err.code === 'FT_ERR_CONFIG') throw configError(`${where}: ${err.message}`, err);
    logger.warn({ anchorTarget: where, err: errorMessage(err) }, 'the chain endpoint does not answer at start; the anchoring job retries every round');
    return;
  }
  if (chainId !== expected) throw configError(`${where}: ${rpcUrl} serves chain ${chainId}, the configuration says chainId ${expected}`);
}
