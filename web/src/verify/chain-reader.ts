/**
 * The verifier's ChainReader (protocol/evidence.ts) for the browser: `heads(epoch)` of the
 * anchor contract (contracts/FreshTrailAnchor.sol: mapping(uint64 => bytes32) public heads)
 * through eth_call on a JSON-RPC node the viewer chooses. ABI encoding by hand (Solidity ABI
 * spec: 4-byte selector, then each static argument left-padded to 32 bytes), so ethers is not
 * shipped to the browser.
 */
import { keccak_256 } from '@noble/hashes/sha3';
import type { ChainReader } from '../../../protocol/evidence.js';

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** First 4 bytes of keccak256 of the function signature, 0x hex. */
export function selector(signature: string): string {
  return `0x${hex(keccak_256(new TextEncoder().encode(signature))).slice(0, 8)}`;
}

/** Call data of heads(uint64 epoch). */
export function headsCallData(epoch: number): string {
  if (!Number.isSafeInteger(epoch) || epoch < 0) throw new Error(`an epoch is a non-negative integer, got ${epoch}`);
  return selector('heads(uint64)') + BigInt(epoch).toString(16).padStart(64, '0');
}

/** The bytes32 an eth_call returned, or null for the zero hash (not anchored), as AnchorContract.headOf answers. */
export function decodeHead(result: string): string | null {
  if (!/^0x[0-9a-fA-F]{64}$/.test(result)) throw new Error(`heads() returned "${result.slice(0, 80)}", not a bytes32`);
  return /^0x0{64}$/.test(result) ? null : result.toLowerCase();
}

export type RpcCall = (method: string, params: unknown[]) => Promise<unknown>;

/** A JSON-RPC 2.0 call over fetch; an RPC error or a non-2xx answer throws with its message. */
export function jsonRpc(url: string, fetchImpl: typeof fetch = fetch): RpcCall {
  let id = 0;
  return async (method, params) => {
    const res = await fetchImpl(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }) });
    if (!res.ok) throw new Error(`${url} answered ${res.status} to ${method}`);
    const body = (await res.json()) as { result?: unknown; error?: { message?: string } };
    if (body.error) throw new Error(`${url}: ${method} failed: ${body.error.message ?? 'error'}`);
    return body.result;
  };
}

/**
 * Reads heads(epoch) through `call`; an anchor on another chain than the node's is not its to
 * judge (undefined), as `freshtrail verify --rpc` does.
 */
export function chainReader(call: RpcCall): ChainReader {
  let chainId: Promise<bigint> | undefined;
  return async (anchorChainId, contract, epoch) => {
    chainId ??= call('eth_chainId', []).then((v) => BigInt(String(v)));
    if (BigInt(anchorChainId) !== (await chainId)) return undefined;
    const result = await call('eth_call', [{ to: contract, data: headsCallData(epoch) }, 'latest']);
    return decodeHead(String(result));
  };
}
