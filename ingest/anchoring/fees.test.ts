import { describe, expect, it } from 'vitest';
import { newTransactionFees, replacementFees } from './fees.js';

const GWEI = 1_000_000_000n;

describe('anchoring fees (EIP-1559 with a cap)', () => {
  it('offers min(cap, 2 × base + tip), and refuses when base + tip is above the cap', () => {
    expect(newTransactionFees(10n * GWEI, GWEI, 100n * GWEI)).toEqual({ ok: true, fees: { maxFeePerGas: 21n * GWEI, maxPriorityFeePerGas: GWEI } });
    expect(newTransactionFees(10n * GWEI, GWEI, 15n * GWEI)).toEqual({ ok: true, fees: { maxFeePerGas: 15n * GWEI, maxPriorityFeePerGas: GWEI } });
    const refused = newTransactionFees(10n * GWEI, GWEI, 10n * GWEI);
    expect(refused).toMatchObject({ ok: false, reason: expect.stringMatching(/^fee needed 11 gwei \(base 10 gwei \+ tip 1 gwei\) is above the cap of 10 gwei/) });
  });

  it('raises a replacement by at least 12.5 % on both fees, up to the cap', () => {
    const previous = { maxFeePerGas: 20n * GWEI, maxPriorityFeePerGas: 2n * GWEI };
    expect(replacementFees(previous, 5n * GWEI, GWEI, 100n * GWEI)).toEqual({ ok: true, fees: { maxFeePerGas: 22_500_000_000n, maxPriorityFeePerGas: 2_250_000_000n } });
    // The base fee rose: 2 × 30 + 2.25 beats the bump, capped at 50.
    expect(replacementFees(previous, 30n * GWEI, GWEI, 50n * GWEI)).toEqual({ ok: true, fees: { maxFeePerGas: 50n * GWEI, maxPriorityFeePerGas: 2_250_000_000n } });
    expect(replacementFees(previous, 5n * GWEI, GWEI, 22n * GWEI)).toMatchObject({ ok: false });
  });
});
