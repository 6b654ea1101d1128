/**
 * What the `anchoring` configuration needs before the ingest starts (service.ts): the head key
 * (a file, optionally encrypted, or a PKCS#11 token: docs/keys.md) and, per target, its Ethereum
 * key (a key file, an encrypted JSON keystore or a secp256k1 key in a PKCS#11 token) and a
 * provider pinned to its chain. Anything unusable stops
 * the start with FT_ERR_CONFIG naming the option; an endpoint that does not answer at start does
 * not (the anchoring job waits out outages), but one that answers with another chain id does.
 */
import { parseUnits } from 'ethers';
import { FreshTrailError, errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/log.js';
import { loadSigner, type Ed25519Signer, type SignerSpec } from '../../common/signers/index.js';
import { Pkcs11EthereumSigner } from '../../common/signers/pkcs11-ethereum.js';
import { loadKeystoreWallet } from './keystore.js';
import type { AnchoringConfig } from '../config.js';
import type { AnchorTargetOptions } from './anchor-target.js';
import { connectChain, jobProvider, loadEthereumKey } from './rpc.js';

export interface AnchoringSetup {
  /** Signs epoch heads; closed by close(). */
  headKey: Ed25519Signer;
  /** Raw Ed25519 public key, 64 hex characters: what verifiers check heads with. */
  headPublicKeyHex: string;
  targets: AnchorTargetOptions[];
  /** Destroys the targets' RPC providers and closes the head key and the targets' keys; call once the anchoring job has stopped (the ingest's close). */
  close(): void;
}

const releaseTargets = (targets: readonly AnchorTargetOptions[]): void => {
  for (const t of targets) {
    t.provider.destroy();
    t.signer.close?.();
  }
};

const configError = (message: string, cause?: unknown): FreshTrailError => new FreshTrailError('FT_ERR_CONFIG', message, cause === undefined ? undefined : { cause });

/** Where the head key is: exactly one of anchoring.headKeyFile and anchoring.headKeyPkcs11. */
export function headKeySpec(config: Pick<AnchoringConfig, 'headKeyFile' | 'headKeyPassphraseEnv' | 'headKeyPassphraseFile' | 'headKeyPkcs11'>): SignerSpec {
  if (config.headKeyFile !== undefined && config.headKeyPkcs11 !== undefined) throw configError('anchoring: give headKeyFile or headKeyPkcs11, not both');
  if (config.headKeyPkcs11 !== undefined) return { pkcs11: config.headKeyPkcs11 };
  if (config.headKeyFile === undefined) {
    throw configError(
      'anchoring.headKeyFile is required when anchoring.enabled is true: create a head key with `freshtrail keygen --out FILE` and set anchoring.headKeyFile to FILE (or keep it in a PKCS#11 token: anchoring.headKeyPkcs11, docs/keys.md)',
    );
  }
  return { file: config.headKeyFile, passphraseEnv: config.headKeyPassphraseEnv, passphraseFile: config.headKeyPassphraseFile };
}

/**
 * The head key: an Ed25519 PKCS#8 PEM file that only its owner can read (read as gateway keys
 * are, optionally encrypted), or a key in a PKCS#11 token. Accepts a bare path for callers of
 * the file-only form.
 */
export async function loadHeadKey(
  config: string | undefined | Pick<AnchoringConfig, 'headKeyFile' | 'headKeyPassphraseEnv' | 'headKeyPassphraseFile' | 'headKeyPkcs11'>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ headKey: Ed25519Signer; headPublicKeyHex: string }> {
  const spec = headKeySpec(typeof config === 'object' ? config : { headKeyFile: config });
  try {
    const headKey = await loadSigner(spec, { what: 'anchoring.headKeyFile', env });
    return { headKey, headPublicKeyHex: headKey.publicKeyHex };
  } catch (err) {
    throw configError('pkcs11' in spec ? `anchoring.headKeyPkcs11: ${errorMessage(err)}` : errorMessage(err), err);
  }
}

export async function prepareAnchoring(config: AnchoringConfig, logger: Logger): Promise<AnchoringSetup | undefined> {
  if (!config.enabled) return undefined;
  const { headKey, headPublicKeyHex } = await loadHeadKey(config);
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
    // A later target's error must not leak the providers or token sessions of the ones before it, nor the head key's.
    releaseTargets(targets);
    headKey.close?.();
    throw err;
  }
  logger.info({ headPublicKey: headPublicKeyHex, headKey: headKey.describe(), targets: targets.map((t) => t.name) }, 'anchoring enabled: epoch heads are signed with this head key (give it to verifiers)');
  return {
    headKey,
    headPublicKeyHex,
    targets,
    close: () => {
      releaseTargets(targets);
      headKey.close?.();
    },
  };
}

async function prepareTarget(t: AnchoringConfig['targets'][number], where: string, logger: Logger): Promise<AnchorTargetOptions> {
  const signer = await loadAnchorerKey(t, where);
  try {
    await checkChainId(t.rpcUrl, BigInt(t.chainId), t.requestTimeoutMs, where, logger);
  } catch (err) {
    signer.close?.();
    throw err;
  }
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

/** The target's Ethereum key: exactly one of keyFile, keystoreFile and pkcs11. */
async function loadAnchorerKey(t: AnchoringConfig['targets'][number], where: string): Promise<AnchorTargetOptions['signer']> {
  const given = [t.keyFile, t.keystoreFile, t.pkcs11].filter((k) => k !== undefined).length;
  if (given !== 1) throw configError(`${where}: give exactly one of keyFile and keystoreFile (the anchorer's Ethereum key), or pkcs11 for a secp256k1 key in a PKCS#11 token`);
  if (t.keystoreFile === undefined && (t.keystorePasswordEnv !== undefined || t.keystorePasswordFile !== undefined)) {
    throw configError(`${where}: keystorePasswordEnv and keystorePasswordFile go with keystoreFile, not ${t.keyFile !== undefined ? 'keyFile' : 'pkcs11 (its PIN comes from pkcs11.pinEnv or pkcs11.pinFile)'}`);
  }
  if (t.pkcs11 !== undefined) {
    try {
      return await Pkcs11EthereumSigner.open(t.pkcs11);
    } catch (err) {
      // No cause: the message says all, and pkcs11js errors are not needed in logs.
      throw configError(`${where}: pkcs11: ${errorMessage(err)}`);
    }
  }
  try {
    if (t.keyFile !== undefined) return await loadEthereumKey(t.keyFile);
    return await loadKeystoreWallet({ file: t.keystoreFile!, passwordEnv: t.keystorePasswordEnv, passwordFile: t.keystorePasswordFile });
  } catch (err) {
    // Keystore errors carry no cause: ethers' decryption errors are not needed and stay out of logs.
    throw configError(`${where}: ${t.keyFile !== undefined ? 'keyFile' : 'keystoreFile'}: ${errorMessage(err)}`, t.keyFile !== undefined ? err : undefined);
  }
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
