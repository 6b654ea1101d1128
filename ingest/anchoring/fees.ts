/**
 * EIP-1559 fee policy of the anchoring job (docs/anchoring.md "Fees and the cap"). A new
 * transaction offers maxFeePerGas = min(cap, 2 × baseFee + tip): enough to stay includable while
 * the base fee doubles (it moves at most 12.5 % per block, EIP-1559), never above the operator's
 * cap. It is refused when baseFee + tip alone is above the cap: such a transaction could not be
 * included now. A replacement at the same nonce raises both the tip and maxFeePerGas by at least
 * 12.5 % (geth's txpool refuses a replacement below +10 % on both, `--txpool.pricebump`).
 */

export interface Fees {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

/** Per mille added to both fees of a replacement: +12.5 %. */
export const REPLACEMENT_BUMP_PER_MILLE = 125n;

export type FeeDecision = { ok: true; fees: Fees } | { ok: false; reason: string };

const gwei = (wei: bigint): string => {
  const whole = wei / 1_000_000_000n;
  const frac = (wei % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : `${whole}`;
};

export { gwei as formatGwei };

/** The fees of a new transaction at `baseFee` with `tip`, or why it must wait. */
export function newTransactionFees(baseFee: bigint, tip: bigint, cap: bigint): FeeDecision {
  const needed = baseFee + tip;
  if (needed > cap) return { ok: false, reason: `fee needed ${gwei(needed)} gwei (base ${gwei(baseFee)} gwei + tip ${gwei(tip)} gwei) is above the cap of ${gwei(cap)} gwei; waiting` };
  const maxFee = 2n * baseFee + tip;
  return { ok: true, fees: { maxFeePerGas: maxFee < cap ? maxFee : cap, maxPriorityFeePerGas: tip } };
}

const bumped = (wei: bigint): bigint => (wei * (1000n + REPLACEMENT_BUMP_PER_MILLE) + 999n) / 1000n;

/**
 * The fees of a replacement of a transaction that offered `previous`: each at least +12.5 %,
 * and at least what a new transaction would offer now; refused when that goes above the cap.
 */
export function replacementFees(previous: Fees, baseFee: bigint, tip: bigint, cap: bigint): FeeDecision {
  const minTip = bumped(previous.maxPriorityFeePerGas);
  const minMax = bumped(previous.maxFeePerGas);
  const newTip = tip > minTip ? tip : minTip;
  const wanted = 2n * baseFee + newTip;
  const capped = wanted < cap ? wanted : cap;
  const maxFee = capped > minMax ? capped : minMax;
  if (maxFee > cap || newTip > maxFee) return { ok: false, reason: `a replacement needs maxFeePerGas ≥ ${gwei(minMax)} gwei, above the cap of ${gwei(cap)} gwei; waiting for the transaction as it is` };
  return { ok: true, fees: { maxFeePerGas: maxFee, maxPriorityFeePerGas: newTip } };
}
