/**
 * `freshtrail keygen`: makes a gateway's (or the ingest head's) Ed25519 key pair where it will be
 * used, as a file (optionally encrypted at rest) or inside a PKCS#11 token, and the anchorer's
 * secp256k1 (Ethereum) key inside a PKCS#11 token (docs/keys.md).
 */
import { writeFile } from 'node:fs/promises';
import { DEFAULT_PASSPHRASE_ENV, DEFAULT_PIN_ENV, generatePkcs11Ed25519Key, type Pkcs11KeySpec } from '../../common/signers/index.js';
import { generatePkcs11Secp256k1Key } from '../../common/signers/pkcs11-ethereum.js';
import { readSecret } from '../../common/signers/secret.js';
import { writeNewKeyFiles } from '../../edge/keyfile.js';
import { parseCommandArgs, print, UsageError } from '../args.js';

const USAGE = `usage: freshtrail keygen --out PATH [--force] [--encrypt [--passphrase-env NAME]]
       freshtrail keygen --pkcs11-module LIB --token LABEL --key-label LABEL [--pin-env NAME | --pin-file FILE] [--out PATH]
       freshtrail keygen --curve secp256k1 --pkcs11-module LIB --token LABEL --key-label LABEL [--pin-env NAME | --pin-file FILE]

Creates a gateway's Ed25519 key pair on this device.

File key: PATH (private key, PKCS#8 PEM, mode 0600) and PATH.pub (public key, 64 hex
characters) to enroll at the ingest. --encrypt encrypts PATH at rest (AES-256-CBC) with the
passphrase in the environment variable ${DEFAULT_PASSPHRASE_ENV} (or --passphrase-env NAME); the
agent then needs the same variable (gateway.keyPassphraseEnv).

PKCS#11 key: generates the pair inside the token labelled --token of the PKCS#11 library
--pkcs11-module (e.g. /usr/lib/softhsm/libsofthsm2.so), labelled --key-label; the private key
never leaves the token. The user PIN comes from ${DEFAULT_PIN_ENV} (or --pin-env / --pin-file),
never from the command line. Prints the public key and writes it to PATH.pub when --out is given
(default <key-label>.pub).

--curve secp256k1 (default ed25519): generates the anchorer's Ethereum key inside the token
instead (CKM_EC_KEY_PAIR_GEN on secp256k1) and prints its address, to fund and to name as the
contract's anchorer; configure it as anchoring.targets[].pkcs11. Only on a token: for a key file
use an encrypted JSON keystore (cast wallet new).`;

export async function keygenCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(
    argv,
    {
      out: { type: 'string', short: 'o' },
      force: { type: 'boolean' },
      encrypt: { type: 'boolean' },
      'passphrase-env': { type: 'string' },
      'pkcs11-module': { type: 'string' },
      token: { type: 'string' },
      'key-label': { type: 'string' },
      'pin-env': { type: 'string' },
      'pin-file': { type: 'string' },
      curve: { type: 'string' },
    },
    USAGE,
  );
  if (values.help) return print(USAGE), 0;
  const curve = values.curve ?? 'ed25519';
  if (curve !== 'ed25519' && curve !== 'secp256k1') throw new UsageError(`--curve is ed25519 (default) or secp256k1, not '${curve}'\n\n${USAGE}`);
  if (curve === 'secp256k1') {
    // The anchorer's key on a token: nothing is written, the address is what the operator needs.
    if (!values['pkcs11-module'] || !values.token || !values['key-label']) throw new UsageError(`--curve secp256k1 needs --pkcs11-module, --token and --key-label (secp256k1 keys are made on a token only)\n\n${USAGE}`);
    if (values.encrypt || values.force || values.out !== undefined) throw new UsageError(`--out, --encrypt and --force are for file keys; --curve secp256k1 prints the address and writes no file\n\n${USAGE}`);
    const spec: Pkcs11KeySpec = { module: values['pkcs11-module'], tokenLabel: values.token, keyLabel: values['key-label'], pinEnv: values['pin-env'], pinFile: values['pin-file'] };
    const { address } = await generatePkcs11Secp256k1Key(spec);
    print(`private key: pkcs11 token '${spec.tokenLabel}' key '${spec.keyLabel}' (secp256k1, generated on the token; it never leaves it)`);
    print(`address:     ${address}`);
    print(`configure:   anchoring.targets[].pkcs11: { module: ${spec.module}, tokenLabel: ${spec.tokenLabel}, keyLabel: ${spec.keyLabel} }`);
    print(`then:        fund ${address} and make it the contract's anchorer (freshtrail chain deploy --anchorer ${address})`);
    return 0;
  }
  if (values['pkcs11-module'] !== undefined) {
    if (!values.token || !values['key-label']) throw new UsageError(`--pkcs11-module needs --token and --key-label\n\n${USAGE}`);
    if (values.encrypt || values.force) throw new UsageError(`--encrypt and --force are for file keys; a token protects its keys with the PIN and never replaces a label\n\n${USAGE}`);
    const spec: Pkcs11KeySpec = { module: values['pkcs11-module'], tokenLabel: values.token, keyLabel: values['key-label'], pinEnv: values['pin-env'], pinFile: values['pin-file'] };
    const { publicKeyHex } = await generatePkcs11Ed25519Key(spec);
    const publicKeyPath = values.out ? `${values.out}.pub` : `${spec.keyLabel}.pub`;
    await writeFile(publicKeyPath, `${publicKeyHex}\n`, { mode: 0o644 });
    print(`private key: pkcs11 token '${spec.tokenLabel}' key '${spec.keyLabel}' (generated on the token; it never leaves it)`);
    print(`public key:  ${publicKeyPath}`);
    print(publicKeyHex);
    print(`configure:   gateway.pkcs11: { module: ${spec.module}, tokenLabel: ${spec.tokenLabel}, keyLabel: ${spec.keyLabel} }`);
    print(`enroll it:   freshtrail gateway enroll --id <gateway-id> --public-key ${publicKeyPath} --url http://<ingest>:8080`);
    return 0;
  }
  if (!values.out) throw new UsageError(`--out is required\n\n${USAGE}`);
  if (values['passphrase-env'] !== undefined && !values.encrypt) throw new UsageError(`--passphrase-env goes with --encrypt\n\n${USAGE}`);
  const passphrase = values.encrypt
    ? readSecret({ env: values['passphrase-env'], defaultEnv: DEFAULT_PASSPHRASE_ENV, what: `passphrase to encrypt ${values.out} with` })
    : undefined;
  const files = await writeNewKeyFiles(values.out, { force: values.force, passphrase });
  print(`private key: ${files.privateKeyPath} (mode 0600${passphrase === undefined ? '' : ', encrypted'}; keep it on this gateway)`);
  print(`public key:  ${files.publicKeyPath}`);
  print(files.publicKeyHex);
  print(`enroll it:   freshtrail gateway enroll --id <gateway-id> --public-key ${files.publicKeyPath} --url http://<ingest>:8080`);
  return 0;
}

