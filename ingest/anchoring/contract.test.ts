/**
 * FreshTrailAnchor on a real anvil: deploy, sequential anchors read back with eth_call, the
 * custom errors, the anchorer hand-over, the Anchored event, and the gas of an anchor call.
 */
import { AbiCoder, concat, hexlify, JsonRpcProvider, keccak256, toBeHex, zeroPadValue, randomBytes, Wallet, type TransactionReceipt, type TransactionResponse } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnvil, type Anvil } from './anvil.js';
import { PROVIDER_OPTIONS } from './rpc.js';
import { AnchorContract, anchoredEvents, anchorRevertOf, deployAnchor, ANCHOR_ARTIFACT } from './contract.js';

/** Issue 6's budget: ≤ 6 gas per lot at 10,000 lots per epoch. */
const MAX_ANCHOR_GAS = 60_000n;

let anvil: Anvil;
let provider: JsonRpcProvider;
let anchorer: Wallet;
let other: Wallet;

async function mined(tx: Promise<TransactionResponse>): Promise<TransactionReceipt> {
  const receipt = await (await tx).wait();
  if (!receipt) throw new Error('no receipt');
  return receipt;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a revert');
}

const head = (): string => hexlify(randomBytes(32));

beforeAll(async () => {
  anvil = await startAnvil();
  provider = new JsonRpcProvider(anvil.rpcUrl, Number(anvil.chainId), { ...PROVIDER_OPTIONS, pollingInterval: 50 });
  anchorer = new Wallet(anvil.privateKeys[0]!, provider);
  other = new Wallet(anvil.privateKeys[1]!, provider);
});

afterAll(async () => {
  provider?.destroy();
  await anvil?.stop();
});

describe('FreshTrailAnchor on anvil', () => {
  it('deploys with the signer as anchorer and no epoch anchored', async () => {
    const { address, tx } = await deployAnchor(anchorer);
    const receipt = await mined(Promise.resolve(tx));
    expect(receipt.contractAddress).toBe(address);
    expect(await provider.getCode(address)).toBe(ANCHOR_ARTIFACT.deployedBytecode);
    const contract = new AnchorContract(address, provider);
    expect(await contract.anchorer()).toBe(anchorer.address);
    expect(await contract.latestEpoch()).toBe(0n);
    expect(await contract.headOf(1)).toBeNull();
    console.log(`FreshTrailAnchor deployment: ${receipt.gasUsed} gas`);
  });

  it('anchors epochs 1, 2, 3 in order, reads them back by eth_call and emits Anchored; an anchor costs ≤ 60,000 gas', async () => {
    const { address, tx } = await deployAnchor(anchorer);
    await tx.wait();
    const contract = new AnchorContract(address, anchorer);
    const heads = [head(), head(), head()];
    const gas: bigint[] = [];
    for (const [i, h] of heads.entries()) {
      const epoch = BigInt(i + 1);
      const receipt = await mined(contract.anchor(epoch, h, 10_000));
      gas.push(receipt.gasUsed);
      expect(anchoredEvents(receipt, address)).toEqual([{ epoch, headHash: h, leafCount: 10_000 }]);
      // epoch is the indexed topic: a verifier can filter the log by epoch.
      expect(BigInt(receipt.logs[0]!.topics[1]!)).toBe(epoch);
    }
    for (const [i, h] of heads.entries()) expect(await contract.headOf(i + 1)).toBe(h);
    // The storage layout docs/anchoring.md gives to verifiers reading slots directly.
    const slot1 = (e: bigint): string => keccak256(AbiCoder.defaultAbiCoder().encode(['uint64', 'uint256'], [e, 1]));
    expect(await provider.getStorage(address, slot1(2n))).toBe(heads[1]);
    expect(await provider.getStorage(address, 0)).toBe(zeroPadValue(concat([toBeHex(3, 8), anchorer.address]), 32).toLowerCase());
    expect(await contract.latestEpoch()).toBe(3n);
    expect(await contract.headOf(4)).toBeNull();
    console.log(`anchor gas: epoch 1 ${gas[0]}, epoch 2 ${gas[1]}, epoch 3 ${gas[2]} (${Number(gas[2]!) / 10_000} gas per lot at 10,000 lots)`);
    for (const g of gas) expect(g).toBeLessThanOrEqual(MAX_ANCHOR_GAS);
  });

  it('reverts with UnexpectedEpoch naming the expected epoch, a zero head and a stranger', async () => {
    const { address, tx } = await deployAnchor(anchorer);
    await tx.wait();
    const contract = new AnchorContract(address, anchorer);
    for (let epoch = 1; epoch <= 3; epoch++) await mined(contract.anchor(epoch, head(), 1));
    expect(anchorRevertOf(await rejection(contract.anchor(5, head(), 1)))).toEqual({ name: 'UnexpectedEpoch', expected: 4n, given: 5n });
    expect(anchorRevertOf(await rejection(contract.anchor(3, head(), 1)))).toEqual({ name: 'UnexpectedEpoch', expected: 4n, given: 3n });
    expect(anchorRevertOf(await rejection(contract.anchor(4, `0x${'00'.repeat(32)}`, 1)))).toEqual({ name: 'ZeroHeadHash' });
    const stranger = new AnchorContract(address, other);
    expect(anchorRevertOf(await rejection(stranger.anchor(4, head(), 1)))).toEqual({ name: 'NotAnchorer', caller: other.address, anchorer: anchorer.address });
    expect(anchorRevertOf(await rejection(stranger.transferAnchorer(other.address)))).toEqual({ name: 'NotAnchorer', caller: other.address, anchorer: anchorer.address });
    expect(await contract.latestEpoch()).toBe(3n);
  });

  it('a mined revert (gas limit set, so no estimate) fails its receipt and changes nothing', async () => {
    const { address, tx } = await deployAnchor(anchorer);
    await tx.wait();
    const contract = new AnchorContract(address, anchorer);
    const err = await rejection(mined(contract.anchor(2, head(), 1, { gasLimit: 100_000n })));
    expect((err as { receipt?: TransactionReceipt }).receipt?.status).toBe(0);
    expect(await contract.latestEpoch()).toBe(0n);
  });

  it('hands the anchorer role over: the new anchorer anchors, the old one is refused', async () => {
    const { address, tx } = await deployAnchor(anchorer);
    await tx.wait();
    const asOld = new AnchorContract(address, anchorer);
    const asNew = new AnchorContract(address, other);
    await mined(asOld.anchor(1, head(), 1));
    expect(anchorRevertOf(await rejection(asOld.transferAnchorer(`0x${'00'.repeat(20)}`)))).toEqual({ name: 'ZeroAnchorer' });
    await mined(asOld.transferAnchorer(other.address));
    expect(await asOld.anchorer()).toBe(other.address);
    expect(anchorRevertOf(await rejection(asOld.anchor(2, head(), 1)))).toEqual({ name: 'NotAnchorer', caller: anchorer.address, anchorer: other.address });
    const h = head();
    await mined(asNew.anchor(2, h, 7));
    expect(await asOld.headOf(2)).toBe(h);
  });

  it('deploys for another anchorer than the deployer', async () => {
    const { address, tx } = await deployAnchor(anchorer, { anchorer: other.address });
    await tx.wait();
    expect(await new AnchorContract(address, provider).anchorer()).toBe(other.address);
  });
});
