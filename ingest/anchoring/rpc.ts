/**
 * Connecting to an Ethereum JSON-RPC endpoint for anchoring. The endpoint is probed once with
 * eth_chainId under a deadline, so an unreachable URL fails fast with FT_ERR_CHAIN_UNREACHABLE
 * naming it, instead of ethers' endless "failed to detect network" retries (ethers#4377); the
 * provider is then pinned to that chain (staticNetwork) and its request cache is off: ethers
 * caches identical requests for 250 ms, so two sends in a row would get the same pending nonce
 * ("nonce has already been used", seen on anvil; docs/anchoring.md).
 */
import { FetchRequest, isError, JsonRpcProvider, Network, Wallet } from 'ethers';
import { readFile, stat } from 'node:fs/promises';
import { FreshTrailError, errorMessage } from '../../common/errors.js';

/** staticNetwork: no chain id polling; cacheTimeout -1: no stale nonces (see the header). */
export const PROVIDER_OPTIONS = { staticNetwork: true, cacheTimeout: -1 } as const;

export interface ChainConnection {
  provider: JsonRpcProvider;
  chainId: bigint;
  rpcUrl: string;
}

export async function connectChain(rpcUrl: string, options: { timeoutMs?: number } = {}): Promise<ChainConnection> {
  let url: URL;
  try {
    url = new URL(rpcUrl);
  } catch {
    throw new FreshTrailError('FT_ERR_CONFIG', `RPC URL "${rpcUrl}" is not a URL (expected e.g. http://127.0.0.1:8545)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new FreshTrailError('FT_ERR_CONFIG', `RPC URL ${rpcUrl}: only http:// and https:// endpoints are supported`);
  const timeoutMs = options.timeoutMs ?? 10_000;
  let body: { result?: unknown; error?: { message?: string } };
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText}`);
    body = (await res.json()) as typeof body;
  } catch (err) {
    // fetch wraps the socket error: "fetch failed" with cause ECONNREFUSED, ENOTFOUND, "bad port", …
    const inner = (err as { cause?: { code?: string; message?: string } }).cause;
    const cause = (err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (inner?.code ?? inner?.message ?? errorMessage(err));
    throw new FreshTrailError('FT_ERR_CHAIN_UNREACHABLE', `the Ethereum JSON-RPC endpoint ${rpcUrl} does not answer (${cause}); check --rpc and that the node is running`, { cause: err });
  }
  if (typeof body.result !== 'string' || !/^0x[0-9a-fA-F]+$/.test(body.result)) {
    throw new FreshTrailError('FT_ERR_CHAIN_UNREACHABLE', `${rpcUrl} answered eth_chainId without a chain id (${body.error?.message ?? JSON.stringify(body).slice(0, 200)}); is it an Ethereum JSON-RPC endpoint?`);
  }
  const chainId = BigInt(body.result);
  const provider = new JsonRpcProvider(rpcUrl, Network.from(chainId), PROVIDER_OPTIONS);
  return { provider, chainId, rpcUrl };
}

/**
 * A provider for a long-running job (the anchoring job): pinned to `chainId` without probing,
 * no request cache, and each request bounded by `timeoutMs` (ethers waits 5 minutes by
 * default), so a node that accepts connections but does not answer ends a round quickly.
 */
export function jobProvider(rpcUrl: string, chainId: bigint, options: { timeoutMs?: number } = {}): JsonRpcProvider {
  const request = new FetchRequest(rpcUrl);
  request.timeout = options.timeoutMs ?? 15_000;
  return new JsonRpcProvider(request, Network.from(chainId), PROVIDER_OPTIONS);
}

/** Maps an ethers failure to a catalogued error; returns other errors unchanged. */
export function chainError(err: unknown, rpcUrl: string): unknown {
  if (err instanceof FreshTrailError) return err;
  if (isError(err, 'NETWORK_ERROR') || isError(err, 'TIMEOUT') || isError(err, 'SERVER_ERROR')) {
    return new FreshTrailError('FT_ERR_CHAIN_UNREACHABLE', `the Ethereum JSON-RPC endpoint ${rpcUrl} failed: ${err.shortMessage}`, { cause: err });
  }
  if (isError(err, 'INSUFFICIENT_FUNDS')) return new FreshTrailError('FT_ERR_CHAIN_REJECTED', `insufficient funds: ${err.shortMessage}`, { cause: err });
  if (isError(err, 'NONCE_EXPIRED') || isError(err, 'REPLACEMENT_UNDERPRICED') || isError(err, 'CALL_EXCEPTION')) {
    return new FreshTrailError('FT_ERR_CHAIN_REJECTED', err.shortMessage, { cause: err });
  }
  return err;
}

/**
 * Reads an Ethereum private key file: one line, 0x and 64 hex characters, mode 0600 like the
 * gateway keys (edge/keyfile.ts). Messages never include the key.
 */
export async function loadEthereumKey(path: string): Promise<Wallet> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    throw new FreshTrailError('FT_ERR_KEY', `Ethereum key file ${path} not found (${(err as NodeJS.ErrnoException).code})`);
  }
  if ((info.mode & 0o077) !== 0) {
    throw new FreshTrailError('FT_ERR_KEY', `Ethereum key file ${path} is readable by others (mode ${(info.mode & 0o777).toString(8)}); run \`chmod 600 ${path}\``);
  }
  const text = (await readFile(path, 'utf8')).trim();
  if (!/^0x[0-9a-fA-F]{64}$/.test(text)) {
    throw new FreshTrailError('FT_ERR_KEY', `Ethereum key file ${path} must hold one 0x-prefixed private key of 64 hex characters`);
  }
  try {
    return new Wallet(text);
  } catch {
    // 0 or ≥ the secp256k1 group order.
    throw new FreshTrailError('FT_ERR_KEY', `Ethereum key file ${path} does not hold a valid secp256k1 private key`);
  }
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

/** An error that means "the node did not answer" (retry next round), not "the node said no". */
export function isRpcOutage(err: unknown): boolean {
  if (isError(err, 'NETWORK_ERROR') || isError(err, 'TIMEOUT') || isError(err, 'SERVER_ERROR')) return true;
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown; error?: unknown }).cause ?? (e as { error?: unknown }).error, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
    if (/ECONNREFUSED|ECONNRESET|socket hang up|fetch failed|other side closed/.test(errorMessage(e))) return true;
  }
  return false;
}
