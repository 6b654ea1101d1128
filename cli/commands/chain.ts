import { formatEther, isAddress, isError, type Signer } from 'ethers';
import { FreshTrailError } from '../../common/errors.js';
import { AnchorContract, deployAnchor } from '../../ingest/anchoring/contract.js';
import { chainError, connectChain, loadEthereumKey, type ChainConnection } from '../../ingest/anchoring/rpc.js';
import { parseCommandArgs, print, UsageError } from '../args.js';

const USAGE = `usage: freshtrail chain deploy --rpc URL --key-file FILE [--anchorer ADDRESS] [--json]
       freshtrail chain status --rpc URL --contract ADDRESS [--json]

The on-chain anchor of epoch heads (docs/anchoring.md). "deploy" deploys the FreshTrailAnchor
contract with the key in FILE (one 0x-prefixed hex private key, mode 0600), which pays the gas
and becomes the anchorer unless --anchorer names another address, and prints the chain id, the
contract address, the transaction, its block and the gas used. "status" prints a deployed
contract's anchorer and latest anchored epoch. --rpc is an http(s) Ethereum JSON-RPC URL.`;

/** How long deploy waits for its transaction to be mined before giving up (it may still land). */
const DEPLOY_WAIT_MS = 180_000;

export async function chainCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values } = parseCommandArgs(
    rest,
    { rpc: { type: 'string' }, 'key-file': { type: 'string' }, anchorer: { type: 'string' }, contract: { type: 'string' }, json: { type: 'boolean' } },
    USAGE,
  );
  if (values.help || !sub) return print(USAGE), sub ? 0 : 2;
  if (sub !== 'deploy' && sub !== 'status') throw new UsageError(`unknown chain subcommand "${sub}"\n\n${USAGE}`);
  if (!values.rpc) throw new UsageError(`--rpc is required\n\n${USAGE}`);
  if (!/^https?:\/\/[^/\s]+/.test(values.rpc)) throw new UsageError(`--rpc must be an http:// or https:// URL, got "${values.rpc}"`);
  if (sub === 'deploy') {
    if (!values['key-file']) throw new UsageError(`--key-file is required\n\n${USAGE}`);
    if (values.anchorer !== undefined && !isAddress(values.anchorer)) throw new UsageError(`--anchorer must be an Ethereum address, got "${values.anchorer}"`);
    const wallet = await loadEthereumKey(values['key-file']);
    const chain = await connectChain(values.rpc);
    try {
      return await deploy(chain, wallet.connect(chain.provider), values.anchorer, values.json === true);
    } catch (err) {
      throw chainError(err, chain.rpcUrl);
    } finally {
      chain.provider.destroy();
    }
  }
  if (!values.contract || !isAddress(values.contract)) throw new UsageError(`--contract must be the contract's address\n\n${USAGE}`);
  const chain = await connectChain(values.rpc);
  try {
    return await status(chain, values.contract, values.json === true);
  } catch (err) {
    throw chainError(err, chain.rpcUrl);
  } finally {
    chain.provider.destroy();
  }
}

async function deploy(chain: ChainConnection, signer: Signer, anchorerArg: string | undefined, json: boolean): Promise<number> {
  const from = await signer.getAddress();
  const anchorer = anchorerArg ?? from;
  let sent;
  try {
    sent = await deployAnchor(signer, { anchorer });
  } catch (err) {
    const mapped = chainError(err, chain.rpcUrl);
    if (mapped instanceof FreshTrailError && mapped.code === 'FT_ERR_CHAIN_REJECTED' && /insufficient funds/.test(mapped.message)) {
      const balance = await chain.provider.getBalance(from);
      throw new FreshTrailError('FT_ERR_CHAIN_REJECTED', `insufficient funds: ${from} holds ${formatEther(balance)} ETH on chain ${chain.chainId}, not enough for the deployment's gas; fund it and retry`, { cause: err });
    }
    throw mapped;
  }
  let receipt;
  try {
    receipt = await sent.tx.wait(1, DEPLOY_WAIT_MS);
  } catch (err) {
    if (!isError(err, 'TIMEOUT')) throw err;
    throw new FreshTrailError('FT_ERR_CHAIN_REJECTED', `deployment transaction ${sent.tx.hash} was not mined within ${DEPLOY_WAIT_MS / 1000} s (fee too low, or the node does not mine?); it may still be mined, at contract address ${sent.address}`, { cause: err });
  }
  if (!receipt) throw new FreshTrailError('FT_ERR_CHAIN_REJECTED', `deployment transaction ${sent.tx.hash} was not mined`);
  const result = {
    chainId: chain.chainId.toString(),
    contract: sent.address,
    anchorer,
    deployer: from,
    txHash: receipt.hash,
    blockNumber: receipt.blockNumber,
    blockHash: receipt.blockHash,
    gasUsed: receipt.gasUsed.toString(),
  };
  if (json) print(JSON.stringify(result));
  else {
    print(`chain id:  ${result.chainId}`);
    print(`contract:  ${result.contract}`);
    print(`anchorer:  ${result.anchorer}`);
    print(`tx:        ${result.txHash}`);
    print(`block:     ${result.blockNumber} (${result.blockHash})`);
    print(`gas used:  ${result.gasUsed}`);
  }
  return 0;
}

async function status(chain: ChainConnection, address: string, json: boolean): Promise<number> {
  if ((await chain.provider.getCode(address)) === '0x') {
    throw new FreshTrailError('FT_ERR_NOT_FOUND', `no contract at ${address} on chain ${chain.chainId} (${chain.rpcUrl}); check --contract and --rpc`);
  }
  const contract = new AnchorContract(address, chain.provider);
  const [anchorer, latestEpoch] = await Promise.all([contract.anchorer(), contract.latestEpoch()]);
  const latestHead = latestEpoch > 0n ? await contract.headOf(latestEpoch) : null;
  const result = { chainId: chain.chainId.toString(), contract: address, anchorer, latestEpoch: latestEpoch.toString(), latestHead };
  if (json) print(JSON.stringify(result));
  else {
    print(`chain id:      ${result.chainId}`);
    print(`contract:      ${result.contract}`);
    print(`anchorer:      ${result.anchorer}`);
    print(`latest epoch:  ${result.latestEpoch}${latestHead ? ` (head ${latestHead})` : ' (none anchored yet)'}`);
  }
  return 0;
}
