/**
 * `freshtrail edge join`: the gateway redeems a one-time join token. It signs
 * `freshtrail-join-v1\n<id>\n<publicKey>\n<token>` with its own key (proof that it holds the
 * private key, which never leaves the device) and posts it; the operator then approves the
 * request at the ingest. Batches the agent sends meanwhile are quarantined, then admitted.
 */
import type { Ed25519Signer } from '../../common/signers/signer.js';
import { loadEdgeConfig } from '../../edge/config.js';
import { loadGatewaySigner } from '../../edge/keyfile.js';
import { joinMessage, keyFingerprint } from '../../protocol/join.js';
import { parseCommandArgs, print, UsageError } from '../args.js';
import { ingestBaseUrl, postJson } from '../ingest-client.js';

const USAGE = `usage: freshtrail edge join --url INGEST_URL --token TOKEN --config edge.yaml [--label TEXT]
       freshtrail edge join --url INGEST_URL --token TOKEN --key FILE --id ID [--label TEXT]

Asks the ingest to enroll this gateway with a one-time join token from the operator
(\`freshtrail gateway token\`). The gateway id and key come from the agent's config (gateway.id,
gateway.keyFile or gateway.pkcs11) or from --id and --key (a key file; an encrypted one is
decrypted with the passphrase in FRESHTRAIL_KEY_PASSPHRASE). Prints the key fingerprint: the operator compares it
before \`freshtrail gateway approve\`.`;

export async function edgeJoinCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(
    argv,
    { url: { type: 'string' }, token: { type: 'string' }, config: { type: 'string', short: 'c' }, key: { type: 'string' }, id: { type: 'string' }, label: { type: 'string' } },
    USAGE,
  );
  if (values.help) return print(USAGE), 0;
  if (!values.token) throw new UsageError(`--token is required\n\n${USAGE}`);
  let id = values.id;
  let gateway;
  if (values.config) {
    gateway = loadEdgeConfig(values.config).gateway;
    id ??= gateway.id;
  }
  // --key overrides the config's key (keyFile or pkcs11) with a key file.
  if (values.key !== undefined) gateway = { id: id ?? '', keyFile: values.key };
  if (!id || !gateway) throw new UsageError(`give --config, or --key and --id\n\n${USAGE}`);
  let signer: Ed25519Signer | undefined;
  let publicKeyHex: string;
  let signature: string;
  try {
    signer = await loadGatewaySigner(gateway);
    publicKeyHex = signer.publicKeyHex;
    // protocol/join.ts signJoin, through the signer: the key may live in a token.
    signature = signer.sign(joinMessage({ id, publicKey: publicKeyHex, token: values.token }));
  } finally {
    signer?.close?.();
  }
  const base = ingestBaseUrl(values.url);
  const answer = (await postJson(`${base}/api/v1/join`, {
    token: values.token,
    id,
    publicKey: publicKeyHex,
    signature,
    ...(values.label ? { label: values.label } : {}),
  })) as { id?: number };
  print(`join request ${answer.id ?? '?'} sent for gateway "${id}", key fingerprint ${keyFingerprint(publicKeyHex)}: ask the operator to check the fingerprint and run \`freshtrail gateway approve --id ${answer.id ?? 'ID'}\``);
  return 0;
}
