/** `freshtrail chain deploy` and `chain status` against a real anvil, and their errors. */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hexlify, JsonRpcProvider, randomBytes, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnchorContract } from '../../ingest/anchoring/contract.js';
import { PROVIDER_OPTIONS } from '../../ingest/anchoring/rpc.js';
import { startAnvil, type Anvil } from '../../ingest/anchoring/anvil.js';
import { runCli } from '../../test/support/cli.js';

let anvil: Anvil;
let dir: string;

async function keyFile(name: string, content: string, mode = 0o600): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  await chmod(path, mode);
  return path;
}

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

beforeAll(async () => {
  anvil = await startAnvil();
  dir = await mkdtemp(join(tmpdir(), 'freshtrail-chain-'));
});

afterAll(async () => {
  await anvil?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('freshtrail chain', () => {
  it('deploys, then status shows the anchorer and the latest epoch', async () => {
    const key = await keyFile('deployer.key', `${anvil.privateKeys[2]}\n`);
    const deployed = await runCli('chain', 'deploy', '--rpc', anvil.rpcUrl, '--key-file', key, '--json');
    expect(deployed.err).toBe('');
    expect(deployed.code).toBe(0);
    const result = JSON.parse(deployed.out) as { chainId: string; contract: string; anchorer: string; txHash: string; blockNumber: number; gasUsed: string };
    const deployer = new Wallet(anvil.privateKeys[2]!).address;
    expect(result).toMatchObject({ chainId: anvil.chainId.toString(), anchorer: deployer, deployer });
    expect(result.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(result.blockNumber).toBeGreaterThan(0);
    expect(Number(result.gasUsed)).toBeGreaterThan(100_000);

    const empty = await runCli('chain', 'status', '--rpc', anvil.rpcUrl, '--contract', result.contract);
    expect(empty.code).toBe(0);
    expect(empty.out).toContain(`anchorer:      ${deployer}`);
    expect(empty.out).toContain('latest epoch:  0 (none anchored yet)');

    const provider = new JsonRpcProvider(anvil.rpcUrl, Number(anvil.chainId), PROVIDER_OPTIONS);
    try {
      const contract = new AnchorContract(result.contract, new Wallet(anvil.privateKeys[2]!, provider));
      const head = hexlify(randomBytes(32));
      await (await contract.anchor(1, head, 3)).wait();
      const status = await runCli('chain', 'status', '--rpc', anvil.rpcUrl, '--contract', result.contract, '--json');
      expect(JSON.parse(status.out)).toEqual({ chainId: anvil.chainId.toString(), contract: result.contract, anchorer: deployer, latestEpoch: '1', latestHead: head });
    } finally {
      provider.destroy();
    }
  });

  it('prints a readable deployment and honours --anchorer', async () => {
    const key = await keyFile('deployer3.key', anvil.privateKeys[3]!);
    const anchorer = new Wallet(anvil.privateKeys[4]!).address;
    const { code, out } = await runCli('chain', 'deploy', '--rpc', anvil.rpcUrl, '--key-file', key, '--anchorer', anchorer);
    expect(code).toBe(0);
    expect(out).toMatch(new RegExp(`^chain id:  ${anvil.chainId}\ncontract:  0x[0-9a-fA-F]{40}\nanchorer:  ${anchorer}\ntx:        0x[0-9a-f]{64}\nblock:     \\d+ \\(0x[0-9a-f]{64}\\)\ngas used:  \\d+\n$`));
  });

  it('names the URL when the RPC endpoint does not answer', async () => {
    const key = await keyFile('unreachable.key', anvil.privateKeys[5]!);
    const url = `http://127.0.0.1:${await closedPort()}`;
    const { code, err } = await runCli('chain', 'deploy', '--rpc', url, '--key-file', key);
    expect(code).toBe(1);
    expect(err).toContain('FT_ERR_CHAIN_UNREACHABLE');
    expect(err).toContain(`${url} does not answer (ECONNREFUSED)`);
    const status = await runCli('chain', 'status', '--rpc', url, '--contract', new Wallet(anvil.privateKeys[5]!).address);
    expect(status.code).toBe(1);
    expect(status.err).toContain(`FT_ERR_CHAIN_UNREACHABLE: the Ethereum JSON-RPC endpoint ${url} does not answer`);
  });

  it('reports insufficient funds with the address and its balance', async () => {
    const poor = Wallet.createRandom();
    const key = await keyFile('poor.key', poor.privateKey);
    const { code, err } = await runCli('chain', 'deploy', '--rpc', anvil.rpcUrl, '--key-file', key);
    expect(code).toBe(1);
    expect(err).toContain(`FT_ERR_CHAIN_REJECTED: insufficient funds: ${poor.address} holds 0.0 ETH`);
  });

  it('refuses bad key files with exit code 2 and never prints the key', async () => {
    const readable = await keyFile('readable.key', anvil.privateKeys[6]!, 0o644);
    const cases: [string, string][] = [
      [readable, 'is readable by others (mode 644)'],
      [await keyFile('pem.key', '-----BEGIN PRIVATE KEY-----\n'), 'must hold one 0x-prefixed private key of 64 hex characters'],
      [await keyFile('zero.key', `0x${'00'.repeat(32)}`), 'does not hold a valid secp256k1 private key'],
      [join(dir, 'missing.key'), 'not found (ENOENT)'],
    ];
    for (const [path, message] of cases) {
      const { code, err } = await runCli('chain', 'deploy', '--rpc', anvil.rpcUrl, '--key-file', path);
      expect(code).toBe(2);
      expect(err).toContain('FT_ERR_KEY');
      expect(err).toContain(message);
      expect(err).not.toContain(anvil.privateKeys[6]!.slice(2));
    }
  });

  it('says when no contract is deployed at the address', async () => {
    const address = new Wallet(anvil.privateKeys[7]!).address;
    const { code, err } = await runCli('chain', 'status', '--rpc', anvil.rpcUrl, '--contract', address);
    expect(code).toBe(1);
    expect(err).toContain(`FT_ERR_NOT_FOUND: no contract at ${address} on chain ${anvil.chainId}`);
  });

  it('explains its usage', async () => {
    expect((await runCli('chain')).code).toBe(2);
    const help = await runCli('chain', 'deploy', '--help');
    expect(help.code).toBe(0);
    expect(help.out).toContain('freshtrail chain deploy --rpc URL --key-file FILE');
    const noKey = await runCli('chain', 'deploy', '--rpc', anvil.rpcUrl);
    expect(noKey.code).toBe(2);
    expect(noKey.err).toContain('--key-file is required');
    const badUrl = await runCli('chain', 'status', '--rpc', 'localhost:8545', '--contract', new Wallet(anvil.privateKeys[7]!).address);
    expect(badUrl.code).toBe(2);
    expect(badUrl.err).toContain('--rpc must be an http:// or https:// URL');
    expect((await runCli('chain', 'status', '--rpc', anvil.rpcUrl, '--contract', '0x1234')).code).toBe(2);
    expect((await runCli('chain', 'frobnicate', '--rpc', anvil.rpcUrl)).code).toBe(2);
  });
});
