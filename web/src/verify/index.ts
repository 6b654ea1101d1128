/**
 * The lazily loaded verifier chunk (web/build.ts splits it off the first load): runs
 * protocol/evidence.ts verifyBundle — the checks `freshtrail verify` runs — on a bundle, with
 * the on-chain check through the viewer's JSON-RPC node when one is given.
 */
import './buffer-global.js'; // first: protocol/ modules use Buffer as they load
import { verifyBundle, type Check, type EvidenceBundle } from '../../../protocol/evidence.js';
import { chainReader, jsonRpc } from './chain-reader.js';

export type { Check, EvidenceBundle };

export async function verifyEvidence(bundle: EvidenceBundle, options: { rpcUrl?: string; headPublicKey?: string } = {}): Promise<Check[]> {
  const chain = options.rpcUrl ? chainReader(jsonRpc(options.rpcUrl)) : undefined;
  return verifyBundle(bundle, { ...(chain ? { chain } : {}), ...(options.headPublicKey ? { headPublicKey: options.headPublicKey } : {}) });
}
