/**
 * The anchoring job (issue 6, docs/anchoring.md "The anchoring job"): sends the queued epoch
 * heads (store anchor-types.ts) to every anchor target and follows each transaction through
 * pending → sent → included → final, rebroadcasting a stuck one at the same nonce, re-sending
 * after a drop or a reorg, and waiting out RPC outages. It is the single writer of each target's
 * key: nonces come from the store, never from the node's pending count after the first round.
 *
 * One transaction in flight per target: the contract takes epochs strictly in order, so epoch
 * n + 1 is sent once n is included; a backlog after an outage goes out one epoch per block.
 */
import { Transaction, type TransactionReceipt } from 'ethers';
import { errorMessage } from '../../common/errors.js';
import { periodicJob, type SingletonJob } from '../leader/singleton-jobs.js';
import type { AnchorBroadcast, AnchorRecord } from '../store/anchor-types.js';
import { AnchorMetrics } from './anchor-metrics.js';
import { AnchorContract, anchorInterface, anchorRevertOf } from './contract.js';
import type { AnchorJobOptions, AnchorRound, AnchorTargetOptions } from './anchor-target.js';
import { newTransactionFees, replacementFees, type Fees } from './fees.js';
import { isRpcOutage } from './rpc.js';

export type { AnchorJobOptions, AnchorRound, AnchorSigner, AnchorTargetOptions } from './anchor-target.js';

const OPEN_LIMIT = 100;

const sameHash = (a: string | undefined, b: string | undefined): boolean => !!a && !!b && a.toLowerCase() === b.toLowerCase();

/** One round of one target; holds what the round read from the chain. */
interface Round {
  t: AnchorTargetOptions;
  now: number;
  latestNonce: number;
  head: { number: number };
  finalized: number | undefined;
  result: AnchorRound;
}

export class AnchorJob {
  private readonly metrics: AnchorMetrics;
  private readonly registered = new Set<string>();
  private readonly down = new Set<string>();

  constructor(private readonly options: AnchorJobOptions) {
    this.metrics = new AnchorMetrics(options.registry);
  }

  /** The job for SingletonJobs: runOnce every `intervalMs` while this instance leads "anchor". */
  singleton(intervalMs: number): SingletonJob {
    return periodicJob('anchor', intervalMs, (now) => this.runOnce(now), this.options.logger);
  }

  /** One round for every target, side by side; one target's failure does not stop the others. */
  async runOnce(now: number): Promise<AnchorRound[]> {
    return Promise.all(this.options.targets.map((t) => this.runTarget(t, now)));
  }

  private async runTarget(t: AnchorTargetOptions, now: number): Promise<AnchorRound> {
    const result: AnchorRound = { target: t.name, sent: [], rebroadcast: [], included: [], final: [], reorged: [] };
    const log = this.options.logger.child({ anchorTarget: t.name });
    try {
      await this.round(t, now, result);
      if (this.down.delete(t.name)) log.info('the chain endpoint answers again; anchoring resumes');
    } catch (err) {
      result.error = errorMessage(err);
      if (isRpcOutage(err)) {
        this.metrics.rpcErrors.inc({ target: t.name });
        // Once per outage, not per round.
        if (!this.down.has(t.name)) log.warn({ err: result.error }, 'the chain endpoint does not answer; state unchanged, retrying every round');
        this.down.add(t.name);
      } else {
        log.error({ err: result.error }, 'anchoring round failed; retrying next round');
      }
    }
    await this.updateGauge(t.name).catch(() => undefined);
    return result;
  }

  private async round(t: AnchorTargetOptions, now: number, result: AnchorRound): Promise<void> {
    const { store } = this.options;
    const log = this.options.logger.child({ anchorTarget: t.name });
    if (!this.registered.has(t.name)) {
      const reg = await store.ensureAnchorTarget({ name: t.name, chainId: t.chainId, contract: t.contract, anchorer: t.signer.address }, now);
      if (reg.status === 'conflict') throw new Error(`anchor target ${t.name} is recorded with chain ${reg.target.chainId}, contract ${reg.target.contract}, anchorer ${reg.target.anchorer}; a new contract starts again at epoch 1 and needs a new target name`);
      this.registered.add(t.name);
    }
    // Single writer: the chain's mined nonce must never pass ours (docs: "Nonce").
    const latestNonce = await t.provider.getTransactionCount(t.signer.address, 'latest');
    let state = await store.anchorTarget(t.name);
    if (state?.lastError) throw new Error(`target halted: ${state.lastError}`);
    if (state?.nextNonce === undefined) {
      const pending = await t.provider.getTransactionCount(t.signer.address, 'pending');
      await store.setAnchorNonce(t.name, pending, undefined, now);
      state = await store.anchorTarget(t.name);
    } else if (latestNonce > state.nextNonce) {
      const reason = `another sender used the anchorer key ${t.signer.address}: the chain's nonce is ${latestNonce}, ours ${state.nextNonce}; anchoring stops for this target until an operator resets its nonce`;
      await store.setAnchorNonce(t.name, state.nextNonce, reason, now);
      this.metrics.nonceConflicts.inc({ target: t.name });
      log.error(reason);
      throw new Error(reason);
    }
    const head = await t.provider.getBlock('latest');
    if (!head) throw new Error('the node returned no latest block');
    const r: Round = { t, now, latestNonce, head: { number: head.number }, finalized: await this.finalizedHeight(t, head.number), result };

    let inFlight = false;
    for (let a of await store.openAnchors(t.name, OPEN_LIMIT)) {
      if (a.status === 'included') a = await this.checkIncluded(r, a);
      if (a.status === 'sent') a = await this.checkSent(r, a);
      if (a.status === 'sent') inFlight = true;
      if (a.status === 'failed') {
        result.error = `epoch ${a.epoch} failed (${a.lastError ?? 'no reason recorded'}); later epochs wait, as the contract takes epochs in order`;
        return;
      }
      if (a.status === 'pending') {
        if (!inFlight) await this.sendNew(r, a, head.baseFeePerGas ?? 0n);
        return; // one transaction in flight per target
      }
    }
  }

  /** Height of the node's finalized block, or latest − confirmations + 1 without the tag (or by policy). */
  private async finalizedHeight(t: AnchorTargetOptions, latest: number): Promise<number | undefined> {
    const byCount = latest - (t.confirmations ?? 12) + 1;
    if ((t.finality ?? 'finalized') === 'confirmations') return byCount;
    try {
      const block = await t.provider.getBlock('finalized');
      return block ? block.number : byCount;
    } catch (err) {
      if (isRpcOutage(err)) throw err;
      return byCount; // the node knows no finalized tag
    }
  }

  private async checkIncluded(r: Round, a: AnchorRecord): Promise<AnchorRecord> {
    const { store } = this.options;
    const receipt = await r.t.provider.getTransactionReceipt(a.txHash!);
    if (!receipt || !sameHash(receipt.blockHash, a.blockHash)) {
      this.metrics.reorgs.inc({ target: r.t.name });
      r.result.reorged.push(a.epoch);
      const reason = receipt ? `block ${a.blockNumber} (${a.blockHash}) left the chain; the transaction is now in block ${receipt.blockNumber}` : `block ${a.blockNumber} (${a.blockHash}) left the chain with transaction ${a.txHash}; re-anchoring`;
      this.options.logger.warn({ anchorTarget: r.t.name, epoch: a.epoch }, reason);
      if (receipt && receipt.status === 1) {
        await this.include(r, a, receipt);
        return (await store.getAnchor(r.t.name, a.epoch))!;
      }
      await store.recordAnchorReorg(r.t.name, a.epoch, reason, r.now);
      return (await store.getAnchor(r.t.name, a.epoch))!;
    }
    return this.checkFinal(r, a, receipt.blockNumber);
  }

  private async checkFinal(r: Round, a: AnchorRecord, blockNumber: number): Promise<AnchorRecord> {
    const confirmations = r.head.number - blockNumber + 1;
    if (r.finalized !== undefined && blockNumber <= r.finalized) {
      // The receipt came from the node's canonical chain; check the block at that height too.
      const block = await r.t.provider.getBlock(blockNumber);
      if (block && sameHash(block.hash ?? undefined, a.blockHash) && (await this.options.store.recordAnchorFinal(r.t.name, a.epoch, confirmations, r.now))) {
        r.result.final.push(a.epoch);
        return { ...a, status: 'final', confirmations };
      }
    } else if (confirmations !== a.confirmations) {
      await this.options.store.noteAnchor(r.t.name, a.epoch, { confirmations }, r.now);
    }
    return { ...a, confirmations };
  }

  private async checkSent(r: Round, a: AnchorRecord): Promise<AnchorRecord> {
    const { store } = this.options;
    // Any broadcast may be the one mined: a late inclusion of an older one is recognised by hash.
    for (const b of [...a.broadcasts].reverse()) {
      const receipt = await r.t.provider.getTransactionReceipt(b.txHash);
      if (receipt) return this.onReceipt(r, a, receipt);
    }
    if (a.nonce !== undefined && r.latestNonce > a.nonce) {
      // Our nonce was used by a transaction that is none of ours.
      const reason = `nonce ${a.nonce} of epoch ${a.epoch} was used by a transaction that is not one of its broadcasts: another sender uses the anchorer key; anchoring stops for this target until an operator resets its nonce`;
      const state = await store.anchorTarget(r.t.name);
      await store.setAnchorNonce(r.t.name, state?.nextNonce, reason, r.now);
      this.metrics.nonceConflicts.inc({ target: r.t.name });
      throw new Error(reason);
    }
    const last = a.broadcasts.at(-1)!;
    if (r.now - last.at >= (r.t.rebroadcastAfterMs ?? 180_000)) return this.rebroadcast(r, a, last);
    if (!(await r.t.provider.getTransaction(last.txHash))) {
      // Dropped from the mempool, removed by a reorg, or never sent (a crash right after it was recorded).
      this.options.logger.info({ anchorTarget: r.t.name, epoch: a.epoch, txHash: last.txHash }, 'the node does not know the transaction; sending the same signed transaction again');
      this.metrics.resends.inc({ target: r.t.name });
      await this.broadcast(r, a, last.rawTx);
    }
    return a;
  }

  private async onReceipt(r: Round, a: AnchorRecord, receipt: TransactionReceipt): Promise<AnchorRecord> {
    if (receipt.status === 1) return this.include(r, a, receipt);
    // Reverted on chain (e.g. UnexpectedEpoch: someone anchored this epoch first).
    return this.settleFromChain(r, a, `transaction ${receipt.hash} reverted in block ${receipt.blockNumber}`);
  }

  private async include(r: Round, a: AnchorRecord, receipt: TransactionReceipt): Promise<AnchorRecord> {
    const inclusion = { txHash: receipt.hash, blockNumber: receipt.blockNumber, blockHash: receipt.blockHash, confirmations: r.head.number - receipt.blockNumber + 1, at: r.now };
    await this.options.store.recordAnchorInclusion(r.t.name, a.epoch, inclusion);
    r.result.included.push(a.epoch);
    this.options.logger.info({ anchorTarget: r.t.name, epoch: a.epoch, txHash: receipt.hash, block: receipt.blockNumber }, 'epoch head anchored');
    return this.checkFinal(r, { ...a, status: 'included', ...inclusion }, receipt.blockNumber);
  }

  /**
   * The contract refused our anchor (UnexpectedEpoch or a mined revert): included when the
   * chain holds our head for the epoch (a previous run or another instance anchored it), failed
   * when it holds another head, still pending when earlier epochs are missing on chain.
   */
  private async settleFromChain(r: Round, a: AnchorRecord, what: string): Promise<AnchorRecord> {
    const { store } = this.options;
    const onChain = await new AnchorContract(r.t.contract, r.t.provider).headOf(a.epoch);
    if (sameHash(onChain ?? undefined, a.headHash)) {
      const event = anchorInterface.getEvent('Anchored')!;
      const logs = await r.t.provider.getLogs({ address: r.t.contract, topics: [event.topicHash, anchorInterface.encodeFilterTopics(event, [a.epoch])[1] as string], fromBlock: r.t.fromBlock ?? 0, toBlock: 'latest' });
      const log = logs.at(-1);
      const receipt = log ? await r.t.provider.getTransactionReceipt(log.transactionHash) : null;
      if (receipt) return this.include(r, a, receipt);
    }
    if (onChain === null) {
      const reason = `${what}: the chain has no head for epoch ${a.epoch} yet (latest epoch ${await new AnchorContract(r.t.contract, r.t.provider).latestEpoch()}); retrying`;
      await store.noteAnchor(r.t.name, a.epoch, { lastError: reason }, r.now);
      return { ...a, lastError: reason };
    }
    const reason = `${what}: the chain holds head ${onChain} for epoch ${a.epoch}, not ours (${a.headHash})`;
    await store.recordAnchorFailure(r.t.name, a.epoch, reason, r.now);
    this.options.logger.error({ anchorTarget: r.t.name, epoch: a.epoch }, reason);
    return { ...a, status: 'failed', lastError: reason };
  }

  private async tip(t: AnchorTargetOptions): Promise<bigint> {
    return t.priorityFeePerGas ?? (await t.provider.getFeeData()).maxPriorityFeePerGas ?? 1_000_000_000n;
  }

  private async sendNew(r: Round, a: AnchorRecord, baseFee: bigint): Promise<void> {
    const { t } = r;
    const decision = newTransactionFees(baseFee, await this.tip(t), t.maxFeePerGas);
    if (!decision.ok) return this.feeRefused(r, a, decision.reason);
    const data = anchorInterface.encodeFunctionData('anchor', [a.epoch, a.headHash, a.leafCount]);
    let gas: bigint;
    try {
      gas = await t.provider.estimateGas({ from: t.signer.address, to: t.contract, data });
    } catch (err) {
      const revert = anchorRevertOf(err);
      if (!revert) throw err;
      if (revert.name === 'UnexpectedEpoch') {
        await this.settleFromChain(r, a, `the contract expects epoch ${revert.expected}`);
        return;
      }
      const reason = `the contract refuses the anchor: ${revert.name}${revert.name === 'NotAnchorer' ? ` (anchorer is ${revert.anchorer}, we are ${revert.caller})` : ''}`;
      await this.options.store.recordAnchorFailure(t.name, a.epoch, reason, r.now);
      this.options.logger.error({ anchorTarget: t.name, epoch: a.epoch }, reason);
      return;
    }
    const nonce = (await this.options.store.anchorTarget(t.name))!.nextNonce!;
    const raw = await this.sign(t, { nonce, data, gasLimit: (gas * 5n) / 4n }, decision.fees);
    if (!(await this.record(r, a, nonce, raw, decision.fees))) return;
    r.result.sent.push(a.epoch);
    await this.broadcast(r, a, raw);
  }

  private async rebroadcast(r: Round, a: AnchorRecord, last: AnchorBroadcast): Promise<AnchorRecord> {
    const { t } = r;
    const block = await t.provider.getBlock('latest');
    const previous: Fees = { maxFeePerGas: BigInt(last.maxFeePerGas), maxPriorityFeePerGas: BigInt(last.maxPriorityFeePerGas) };
    const decision = replacementFees(previous, block?.baseFeePerGas ?? 0n, await this.tip(t), t.maxFeePerGas);
    if (!decision.ok) {
      await this.feeRefused(r, a, decision.reason);
      // Keep the transaction known to the node meanwhile.
      if (!(await t.provider.getTransaction(last.txHash))) await this.broadcast(r, a, last.rawTx);
      return a;
    }
    const tx = Transaction.from(last.rawTx);
    const raw = await this.sign(t, { nonce: tx.nonce, data: tx.data, gasLimit: tx.gasLimit }, decision.fees);
    if (!(await this.record(r, a, tx.nonce, raw, decision.fees))) return a;
    this.metrics.rebroadcasts.inc({ target: t.name });
    r.result.rebroadcast.push(a.epoch);
    this.options.logger.info({ anchorTarget: t.name, epoch: a.epoch, nonce: tx.nonce, maxFeePerGas: decision.fees.maxFeePerGas.toString() }, 'transaction not included in time; replaced at the same nonce with higher fees');
    await this.broadcast(r, a, raw);
    return a;
  }

  private async feeRefused(r: Round, a: AnchorRecord, reason: string): Promise<void> {
    this.metrics.feeCapRefusals.inc({ target: r.t.name });
    r.result.error = reason;
    if (a.lastError !== reason) this.options.logger.warn({ anchorTarget: r.t.name, epoch: a.epoch }, reason);
    await this.options.store.noteAnchor(r.t.name, a.epoch, { lastError: reason }, r.now);
  }

  private sign(t: AnchorTargetOptions, tx: { nonce: number; data: string; gasLimit: bigint }, fees: Fees): Promise<string> {
    return t.signer.signTransaction({ type: 2, chainId: t.chainId, to: t.contract, ...tx, ...fees });
  }

  /** Writes the broadcast before it is sent (crash recovery: the same bytes are sent again). */
  private async record(r: Round, a: AnchorRecord, nonce: number, raw: string, fees: Fees): Promise<boolean> {
    const b: AnchorBroadcast = { txHash: Transaction.from(raw).hash!, rawTx: raw, maxFeePerGas: fees.maxFeePerGas.toString(), maxPriorityFeePerGas: fees.maxPriorityFeePerGas.toString(), at: r.now };
    const ok = await this.options.store.recordAnchorBroadcast(r.t.name, a.epoch, nonce, b);
    if (!ok) this.options.logger.warn({ anchorTarget: r.t.name, epoch: a.epoch, nonce }, 'the store refused the broadcast (another writer moved the nonce or the anchor); not sent');
    return ok;
  }

  /** Sends signed bytes; the node's refusals are noted (the next round re-checks), outages propagate. */
  private async broadcast(r: Round, a: AnchorRecord, raw: string): Promise<void> {
    try {
      await r.t.provider.broadcastTransaction(raw);
    } catch (err) {
      if (isRpcOutage(err)) throw err;
      const message = errorMessage(err);
      if (/already known|known transaction|already imported/i.test(message)) return;
      const reason = `the node refused the transaction: ${(err as { shortMessage?: string }).shortMessage ?? message.slice(0, 300)}`;
      this.options.logger.warn({ anchorTarget: r.t.name, epoch: a.epoch }, reason);
      await this.options.store.noteAnchor(r.t.name, a.epoch, { lastError: reason }, r.now);
    }
  }

  private async updateGauge(target: string): Promise<void> {
    const counts = await this.options.store.anchorCounts(target);
    for (const [status, n] of Object.entries(counts)) this.metrics.epochs.set({ target, status }, n);
  }
}
