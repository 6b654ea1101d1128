/**
 * `freshtrail edge join`: the gateway redeems a one-time join token. It signs
 * `freshtrail-join-v1\n<id>\n<publicKey>\n<token>` with its own key (proof that it holds the
 * private key, which never leaves the device) and posts it; the operator then approves the
 * request at the ingest. Batches the agent sends meanwhile are quarantined, then admitted.
 */
import { loadEdgeConfig } from '../../edge/config.js';
import { loadPrivateKey } from '../../edge/keyfile.js';
import { keyFingerprint, signJoin } from '../../protocol/join.js';
import { parseCommandArgs, print, UsageError } from '../args.js';
import { ingestBaseUrl, postJson } from '../ingest-client.js';

const USAGE = `usage: freshtrail edge join --url INGEST_URL --token TOKEN --config edge.yaml [--label TEXT]
       freshtrail edge join --url INGEST_URL --token TOKEN --key FILE --id ID [--label TEXT]

Asks the ingest to enroll this gateway with a one-time join token from the operator
(\`freshtrail gateway token\`). The gateway id and key come from the agent's config (gateway.id,
gateway.keyFile) or from --id and --key. Prints the key fingerprint: the operator compares it
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
  let keyFile = values.key;
  if (values.config) {
    const config = loadEdgeConfig(values.config);
    id ??= config.gateway.id;
    keyFile ??= config.gateway.keyFile;
  }
  if (!id || !keyFile) throw new UsageError(`give --config, or --key and --id\n\n${USAGE}`);
  const { privateKey, publicKeyHex } = await loadPrivateKey(keyFile);
  const signature = signJoin(privateKey, { id, publicKey: publicKeyHex, token: values.token });
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
