/**
 * `freshtrail verify BUNDLE.json`: checks a lot evidence bundle (docs/evidence.md) — every
 * signature, chain link and proof offline, and with --rpc the anchored head hash through an
 * Ethereum node the verifier chooses. Exit 0 when every check passed (the on-chain one may be
 * skipped without --rpc, and is then said so), 1 when one failed, 2 on usage errors.
 */
import { readFile } from 'node:fs/promises';
import { PUBLIC_KEY_HEX } from '../../protocol/keys.js';
import { verifyBundle, type Check, type ChainReader, type EvidenceBundle } from '../../protocol/evidence.js';
import { AnchorContract } from '../../ingest/anchoring/contract.js';
import { connectChain, type ChainConnection } from '../../ingest/anchoring/rpc.js';
import { parseCommandArgs, print, UsageError } from '../args.js';

const USAGE = `usage: freshtrail verify BUNDLE.json [--rpc URL] [--head-key HEX] [--json]

Verifies a lot evidence bundle (GET /api/v1/lots/{id}/evidence; format in docs/evidence.md):
event digests, the gateways' signed batch chains, the lot's readings in them, gateway key
revocations, the leaf's inclusion proof, the signed heads and their chain, the anchor, and with
--rpc (an http(s) Ethereum JSON-RPC URL of a node you trust) heads(epoch) of the anchor contract.
--head-key pins the ingest's head public key (64 hex); without it the key stated in the bundle is
used. Prints one line per check (✓ passed, ✗ failed, - skipped). Exit 0: all passed; 1: a check
failed; 2: usage error.`;

export async function verifyCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { rpc: { type: 'string' }, 'head-key': { type: 'string' }, json: { type: 'boolean' } }, USAGE);
  if (values.help) return print(USAGE), 0;
  if (positionals.length !== 1) throw new UsageError(`give one bundle file\n\n${USAGE}`);
  if (values.rpc !== undefined && !/^https?:\/\/[^/\s]+/.test(values.rpc)) throw new UsageError(`--rpc must be an http:// or https:// URL, got "${values.rpc}"`);
  const headKey = values['head-key']?.toLowerCase();
  if (headKey !== undefined && !PUBLIC_KEY_HEX.test(headKey)) throw new UsageError('--head-key must be an Ed25519 public key, 64 hex characters');
  let bundle: EvidenceBundle;
  try {
    bundle = JSON.parse(await readFile(positionals[0]!, 'utf8')) as EvidenceBundle;
  } catch (err) {
    throw new UsageError(`cannot read the bundle ${positionals[0]}: ${(err as Error).message}`);
  }
  const chain = values.rpc === undefined ? undefined : await connectChain(values.rpc);
  try {
    const checks = await verifyBundle(bundle, { ...(headKey ? { headPublicKey: headKey } : {}), ...(chain ? { chain: reader(chain) } : {}) });
    report(checks, values.json === true);
    return checks.some((c) => !c.ok && !c.skipped) ? 1 : 0;
  } finally {
    chain?.provider.destroy();
  }
}

/** Reads heads(epoch) through the given node; anchors on another chain are not its to judge (undefined). */
function reader(chain: ChainConnection): ChainReader {
  return async (chainId, contract, epoch) => {
    if (BigInt(chainId) !== chain.chainId) return undefined;
    return new AnchorContract(contract, chain.provider).headOf(epoch);
  };
}

function report(checks: Check[], json: boolean): void {
  if (json) return print(JSON.stringify({ ok: checks.every((c) => c.ok || c.skipped), checks }));
  for (const c of checks) print(`${c.ok ? '✓' : c.skipped ? '-' : '✗'} ${c.name}: ${c.detail}`);
  const failed = checks.filter((c) => !c.ok && !c.skipped);
  print(failed.length === 0 ? 'bundle verified' + (checks.some((c) => c.skipped) ? ' (on-chain check skipped: pass --rpc)' : '') : `verification FAILED: ${failed.map((c) => c.name).join(', ')}`);
}
