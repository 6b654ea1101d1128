/**
 * The config schema of a key on a PKCS#11 token, shared by edge (gateway.pkcs11) and ingest
 * (anchoring.headKeyPkcs11) configs. The PIN is deliberately not an option: it comes from
 * pinEnv or pinFile, so the config holds no secret.
 */
import { Type, type Static } from '@sinclair/typebox';
import { DEFAULT_PIN_ENV } from './pkcs11.js';

export const Pkcs11KeySchema = Type.Object(
  {
    module: Type.String({ minLength: 1, description: 'Path of the token\'s PKCS#11 library, e.g. /usr/lib/softhsm/libsofthsm2.so (SoftHSM2), /usr/lib/x86_64-linux-gnu/pkcs11/yubihsm_pkcs11.so (YubiHSM 2), /usr/lib/x86_64-linux-gnu/libtpm2_pkcs11.so.1 (TPM). Default: none, required.' }),
    tokenLabel: Type.String({ minLength: 1, maxLength: 32, description: 'Label of the token (softhsm2-util --show-slots, pkcs11-tool -L). Default: none, required.' }),
    keyLabel: Type.String({ minLength: 1, description: 'CKA_LABEL of the Ed25519 key pair on the token (made by `freshtrail keygen --pkcs11-module M --token T --key-label L`). Default: none, required.' }),
    pinEnv: Type.Optional(Type.String({ minLength: 1, description: `Environment variable holding the user PIN. Default ${DEFAULT_PIN_ENV}.` })),
    pinFile: Type.Optional(Type.String({ minLength: 1, description: 'File holding the user PIN (one line, mode 0600, e.g. a systemd credential); wins over pinEnv. Default none.' })),
  },
  { additionalProperties: false, description: 'An Ed25519 key inside a PKCS#11 token (docs/keys.md); the private key never leaves the token.' },
);
export type Pkcs11KeyConfig = Static<typeof Pkcs11KeySchema>;
