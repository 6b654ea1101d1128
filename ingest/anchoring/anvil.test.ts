/** The anvil test helper: OS-picked ports (several at once), extra arguments, a clean stop. */
import { describe, expect, it } from 'vitest';
import { serviceAnswers } from '../../common/net.js';
import { startAnvil } from './anvil.js';

describe('startAnvil', () => {
  it('starts two nodes on distinct ports with extra arguments and stops them', async () => {
    const [a, b] = await Promise.all([startAnvil(), startAnvil({ args: ['--no-mining', '--slots-in-an-epoch', '1'] })]);
    try {
      expect(a.rpcUrl).not.toBe(b.rpcUrl);
      expect(a.chainId).toBe(31337n);
      expect(a.privateKeys).toHaveLength(10);
      expect(a.privateKeys[0]).toMatch(/^0x[0-9a-f]{64}$/);
      // --no-mining: blocks only come from anvil_mine.
      expect(await b.rpc('eth_blockNumber')).toBe('0x0');
      await b.rpc('anvil_mine', ['0x3']);
      expect(await b.rpc('eth_blockNumber')).toBe('0x3');
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    const port = Number(new URL(a.rpcUrl).port);
    expect(await serviceAnswers('127.0.0.1', port)).toBe(false);
  });
});
