/**
 * Typed access to the FreshTrailAnchor contract (contracts/FreshTrailAnchor.sol, docs/anchoring.md)
 * over an ethers v6 provider or signer: deploy it, anchor an epoch head, read heads back with
 * eth_call. The ABI and bytecode come from the committed artifact, imported as a JSON module so
 * that `tsc` copies it into dist/ and the compiled CLI finds it without a file path.
 */
import { getCreateAddress, Interface, isError, type BlockTag, type ContractRunner, type Provider, type Signer, type TransactionReceipt, type TransactionRequest, type TransactionResponse } from 'ethers';
import artifact from '../../contracts/FreshTrailAnchor.json' with { type: 'json' };

export const ANCHOR_ARTIFACT = artifact;
export const anchorInterface = new Interface(artifact.abi);

/** Transaction fields a caller (the anchoring job's nonce and fee policy) may set. */
export type TxOverrides = Pick<TransactionRequest, 'nonce' | 'gasLimit' | 'maxFeePerGas' | 'maxPriorityFeePerGas' | 'gasPrice'>;

export interface AnchoredEvent {
  epoch: bigint;
  headHash: string;
  leafCount: number;
}

/** A revert of the contract decoded from its custom error, e.g. UnexpectedEpoch(expected, given). */
export type AnchorRevert =
  | { name: 'NotAnchorer'; caller: string; anchorer: string }
  | { name: 'UnexpectedEpoch'; expected: bigint; given: bigint }
  | { name: 'ZeroHeadHash' }
  | { name: 'ZeroAnchorer' };

/** Sends the deployment of a new anchor contract; `anchorer` defaults to the signer's address. */
export async function deployAnchor(signer: Signer, options: { anchorer?: string; overrides?: TxOverrides } = {}): Promise<{ address: string; tx: TransactionResponse }> {
  const from = await signer.getAddress();
  const data = artifact.bytecode + anchorInterface.encodeDeploy([options.anchorer ?? from]).slice(2);
  const tx = await signer.sendTransaction({ ...options.overrides, data });
  return { address: getCreateAddress({ from, nonce: tx.nonce }), tx };
}

/** The contract's custom error in an ethers error (estimateGas, eth_call or a mined revert), or null. */
export function anchorRevertOf(err: unknown): AnchorRevert | null {
  if (!isError(err, 'CALL_EXCEPTION') || !err.data) return null;
  const parsed = anchorInterface.parseError(err.data);
  if (!parsed) return null;
  switch (parsed.name) {
    case 'NotAnchorer':
      return { name: 'NotAnchorer', caller: parsed.args[0] as string, anchorer: parsed.args[1] as string };
    case 'UnexpectedEpoch':
      return { name: 'UnexpectedEpoch', expected: parsed.args[0] as bigint, given: parsed.args[1] as bigint };
    case 'ZeroHeadHash':
    case 'ZeroAnchorer':
      return { name: parsed.name };
    default:
      return null;
  }
}

/** The Anchored events of a receipt that come from the contract at `address`. */
export function anchoredEvents(receipt: TransactionReceipt, address: string): AnchoredEvent[] {
  const events: AnchoredEvent[] = [];
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== address.toLowerCase()) continue;
    const parsed = anchorInterface.parseLog(log);
    if (parsed?.name === 'Anchored') events.push({ epoch: parsed.args[0] as bigint, headHash: parsed.args[1] as string, leafCount: Number(parsed.args[2]) });
  }
  return events;
}

export class AnchorContract {
  /** runner: a Provider for reads, a Signer (connected to a provider) to send transactions. */
  constructor(
    readonly address: string,
    private readonly runner: ContractRunner,
  ) {}

  /** Sends anchor(epoch, headHash, leafCount). Rejects before sending (estimateGas) on a revert; see {@link anchorRevertOf}. */
  anchor(epoch: bigint | number, headHash: string, leafCount: number, overrides: TxOverrides = {}): Promise<TransactionResponse> {
    return this.send(anchorInterface.encodeFunctionData('anchor', [epoch, headHash, leafCount]), overrides);
  }

  transferAnchorer(newAnchorer: string, overrides: TxOverrides = {}): Promise<TransactionResponse> {
    return this.send(anchorInterface.encodeFunctionData('transferAnchorer', [newAnchorer]), overrides);
  }

  /** The head hash anchored for `epoch`, or null when not anchored (at `blockTag`, default latest). */
  async headOf(epoch: bigint | number, blockTag?: BlockTag): Promise<string | null> {
    const [head] = await this.read('heads', [epoch], blockTag);
    return /^0x0{64}$/.test(head as string) ? null : (head as string);
  }

  async latestEpoch(blockTag?: BlockTag): Promise<bigint> {
    return (await this.read('latestEpoch', [], blockTag))[0] as bigint;
  }

  async anchorer(blockTag?: BlockTag): Promise<string> {
    return (await this.read('anchorer', [], blockTag))[0] as string;
  }

  private async read(method: 'heads' | 'latestEpoch' | 'anchorer', args: unknown[], blockTag?: BlockTag): Promise<unknown[]> {
    const provider: Provider | null = this.runner.provider ?? null;
    if (!provider) throw new Error('AnchorContract needs a runner connected to a provider to read');
    const data = await provider.call({ to: this.address, data: anchorInterface.encodeFunctionData(method, args), ...(blockTag === undefined ? {} : { blockTag }) });
    if (data === '0x') throw new Error(`no contract code at ${this.address} (or not a FreshTrailAnchor)`);
    return [...anchorInterface.decodeFunctionResult(method, data)];
  }

  private send(data: string, overrides: TxOverrides): Promise<TransactionResponse> {
    if (!this.runner.sendTransaction) throw new Error('AnchorContract needs a signer to send transactions');
    return this.runner.sendTransaction({ ...overrides, to: this.address, data });
  }
}
