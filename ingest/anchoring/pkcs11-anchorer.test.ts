/**
 * The anchorer's key in a PKCS#11 token (SoftHSM2) on a real anvil: a transaction signed by the
 * token is mined from the token's address, and the anchoring path as the ingest builds it
 * (prepareAnchoring with a `pkcs11` target, then the AnchorJob on a real SQLite store) anchors an
 * epoch head on a FreshTrailAnchor whose anchorer is that address. Signer details and refusals:
 * common/signers/pkcs11-ethereum.test.ts.
 */
import { join } from 'node:path';
import { hexlify, parseEther, randomBytes, Wallet } from 'ethers';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/log.js';
import { generatePkcs11Secp256k1Key, Pkcs11EthereumSigner } from '../../common/signers/pkcs11-ethereum.js';
import { createSoftHsmToken } from '../../common/signers/softhsm-test-token.js';
import { writeNewKeyFiles } from '../../edge/keyfile.js';
import { skipWithoutTool } from '../../test/support/tools.js';
import { defaultIngestConfig } from '../config.js';
import { openSqliteStore } from '../store/sqlite.js';
import { tempDir } from '../test-helpers.js';
import { AnchorJob } from './anchor-job.js';
import { startAnvil } from './anvil.js';
import { AnchorContract, deployAnchor } from './contract.js';
import { jobProvider } from './rpc.js';
import { prepareAnchoring } from './setup.js';

const T = 1_700_000_000_000;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe.skipIf(skipWithoutTool('softhsm2-util', 'apt-get install -y softhsm2'))('anchorer key in a PKCS#11 token, on anvil', () => {
  it('signs a transfer that anvil mines from the token address, then anchors an epoch head through prepareAnchoring and the AnchorJob', async () => {
    const token = createSoftHsmToken({ tokenLabel: 'ingest' });
    cleanups.push(() => token.cleanup());
    const pkcs11 = { module: token.module, tokenLabel: token.tokenLabel, keyLabel: 'anchorer', pinEnv: 'FRESHTRAIL_TEST_ANCHOR_PIN' };
    process.env.FRESHTRAIL_TEST_ANCHOR_PIN = token.pin;
    cleanups.push(() => void delete process.env.FRESHTRAIL_TEST_ANCHOR_PIN);
    const { address } = await generatePkcs11Secp256k1Key(pkcs11);

    const anvil = await startAnvil();
    cleanups.push(() => anvil.stop());
    const provider = jobProvider(anvil.rpcUrl, anvil.chainId);
    cleanups.push(() => provider.destroy());
    const funder = new Wallet(anvil.privateKeys[0]!, provider);
    await (await funder.sendTransaction({ to: address, value: parseEther('1') })).wait();

    // 1. A plain transfer signed on the token, broadcast raw: mined, and from the token's address.
    const signer = await Pkcs11EthereumSigner.open(pkcs11);
    cleanups.push(() => signer.close());
    const fees = await provider.getFeeData();
    const to = Wallet.createRandom().address;
    const raw = await signer.signTransaction({
      type: 2, chainId: anvil.chainId, nonce: await provider.getTransactionCount(address), gasLimit: 21_000n,
      maxFeePerGas: fees.maxFeePerGas!, maxPriorityFeePerGas: fees.maxPriorityFeePerGas!, to, value: 12_345n, data: '0x',
    });
    const receipt = (await (await provider.broadcastTransaction(raw)).wait())!;
    expect(receipt.status).toBe(1);
    expect(receipt.from).toBe(address);
    expect(await provider.getBalance(to)).toBe(12_345n);
    signer.close();

    // 2. The contract names the token's address as anchorer; the ingest's setup opens the key from config.
    const deployed = await deployAnchor(new Wallet(anvil.privateKeys[0]!, provider), { anchorer: address });
    await deployed.tx.wait();
    const contract = new AnchorContract(deployed.address, provider);
    expect(await contract.anchorer()).toBe(address);
    const tmp = tempDir('freshtrail-pkcs11-anchorer-');
    cleanups.push(tmp.cleanup);
    const head = await writeNewKeyFiles(join(tmp.dir, 'head.key'));
    const target = { name: 'anvil', rpcUrl: anvil.rpcUrl, chainId: Number(anvil.chainId), contract: deployed.address, pkcs11, maxFeeGwei: 100, finality: 'confirmations', confirmations: 1 };
    const anchoring = defaultIngestConfig({ anchoring: { enabled: true, headKeyFile: head.privateKeyPath, targets: [target] } }).anchoring;
    const setup = (await prepareAnchoring(anchoring, silentLogger()))!;
    cleanups.push(() => setup.close());
    expect(setup.targets[0]!.signer.address).toBe(address);

    // 3. The anchoring job sends the head hash with the token's signatures until the anchor is final.
    const store = openSqliteStore({ path: join(tmp.dir, 'ingest.sqlite') });
    cleanups.push(() => store.close());
    const headHash = hexlify(randomBytes(32));
    await store.enqueueAnchorHead({ epoch: 1, headHash, leafCount: 3 }, T);
    const job = new AnchorJob({ store, targets: setup.targets, logger: silentLogger() });
    for (let i = 0; i < 20 && (await store.getAnchor('anvil', 1))?.status !== 'final'; i++) {
      const [round] = await job.runOnce(T + i * 1000);
      expect(round!.error).toBeUndefined();
      await anvil.rpc('anvil_mine', ['0x1']);
    }
    const anchor = (await store.getAnchor('anvil', 1))!;
    expect(anchor).toMatchObject({ status: 'final', headHash, leafCount: 3 });
    expect(await contract.headOf(1)).toBe(headHash);
    const anchorTx = (await provider.getTransaction(anchor.txHash!))!;
    expect(anchorTx.from).toBe(address);
    expect(anchorTx.type).toBe(2);
  }, 60_000);

  it('refuses a pkcs11 target whose key is missing, or given together with a key file, with FT_ERR_CONFIG naming the target', async () => {
    const token = createSoftHsmToken({ tokenLabel: 'ingest' });
    cleanups.push(() => token.cleanup());
    process.env.FRESHTRAIL_TEST_ANCHOR_PIN = token.pin;
    cleanups.push(() => void delete process.env.FRESHTRAIL_TEST_ANCHOR_PIN);
    const tmp = tempDir('freshtrail-pkcs11-anchorer-');
    cleanups.push(tmp.cleanup);
    const head = await writeNewKeyFiles(join(tmp.dir, 'head.key'));
    const pkcs11 = { module: token.module, tokenLabel: token.tokenLabel, keyLabel: 'absent', pinEnv: 'FRESHTRAIL_TEST_ANCHOR_PIN' };
    // An endpoint that does not answer at start only warns, so no chain is needed here.
    const target = { name: 'local', rpcUrl: 'http://127.0.0.1:9', chainId: 31337, contract: `0x${'ab'.repeat(20)}`, maxFeeGwei: 10, requestTimeoutMs: 500 };
    const anchoring = (t: object) => defaultIngestConfig({ anchoring: { enabled: true, headKeyFile: head.privateKeyPath, targets: [{ ...target, ...t }] } }).anchoring;
    await expect(prepareAnchoring(anchoring({ pkcs11 }), silentLogger())).rejects.toMatchObject({
      code: 'FT_ERR_CONFIG',
      message: expect.stringMatching(/^anchoring\.targets "local": pkcs11: no private key labelled 'absent' on PKCS#11 token 'ingest'; .*freshtrail keygen --curve secp256k1/),
    });
    await expect(prepareAnchoring(anchoring({ pkcs11, keyFile: 'k' }), silentLogger())).rejects.toThrow('anchoring.targets "local": give exactly one of keyFile and keystoreFile (the anchorer\'s Ethereum key), or pkcs11');
    await expect(prepareAnchoring(anchoring({ pkcs11, keystorePasswordEnv: 'X' }), silentLogger())).rejects.toThrow('keystorePasswordEnv and keystorePasswordFile go with keystoreFile, not pkcs11');
  });
});
