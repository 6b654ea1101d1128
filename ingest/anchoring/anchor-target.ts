/** What the anchoring job (anchor-job.ts) is given: its targets (a chain, a contract, a key, a fee policy) and what one round reports. */
import type { Provider, TransactionRequest } from 'ethers';
import type { Registry } from 'prom-client';
import type { Logger } from '../../common/log.js';
import type { AnchorStore } from '../store/anchor-types.js';

/** Signs transactions locally (an ethers Wallet, with or without a provider) or in a PKCS#11 token (common/signers/pkcs11-ethereum.ts). */
export interface AnchorSigner {
  readonly address: string;
  signTransaction(tx: TransactionRequest): Promise<string>;
  /** Releases what the key holds (a token session); called once by AnchoringSetup.close(). Wallets have nothing to release. */
  close?(): void;
}

export interface AnchorTargetOptions {
  /** Stable name: store key and metrics label. */
  name: string;
  /** JSON-RPC provider of the chain (rpc.ts anchorProvider: static network, no cache, request timeout). */
  provider: Provider;
  chainId: bigint;
  /** FreshTrailAnchor address. */
  contract: string;
  /** The contract's anchorer key. */
  signer: AnchorSigner;
  /** Fee cap: the most maxFeePerGas a transaction of this target offers (wei). */
  maxFeePerGas: bigint;
  /** Tip (wei); default: the node's eth_maxPriorityFeePerGas. */
  priorityFeePerGas?: bigint;
  /** A sent transaction not included after this long is replaced with fees +12.5 % (default 180,000 ms). */
  rebroadcastAfterMs?: number;
  /** 'finalized' (default): final at or below the node's finalized block, or after `confirmations` when the node has no such tag; 'confirmations': always by count. */
  finality?: 'finalized' | 'confirmations';
  /** Confirmations that make an anchor final without a finalized tag (default 12). */
  confirmations?: number;
  /** First block to search for Anchored events (the contract's deployment block; default 0). */
  fromBlock?: number;
}

export interface AnchorJobOptions {
  store: AnchorStore;
  targets: readonly AnchorTargetOptions[];
  logger: Logger;
  /** Where the freshtrail_anchor_* metrics go; none when undefined. */
  registry?: Registry;
}

/** What one round did for one target. */
export interface AnchorRound {
  target: string;
  sent: number[];
  rebroadcast: number[];
  included: number[];
  final: number[];
  reorged: number[];
  /** Why the round stopped early (outage, nonce conflict, fee above the cap, …). */
  error?: string;
}
