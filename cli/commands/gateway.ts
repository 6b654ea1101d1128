import { readPublicKeyArg } from '../../edge/keyfile.js';
import { parseCommandArgs, print, UsageError } from '../args.js';
import { ingestBaseUrl, requestJson as request } from '../ingest-client.js';
import { IDENTITY_USAGE, identityCommand, isIdentitySubcommand } from './gateway-identity.js';

const USAGE = `usage: freshtrail gateway enroll --id ID --public-key HEX|FILE [--label TEXT] [--url URL]
       freshtrail gateway list [--url URL]
${IDENTITY_USAGE}
Enrolls a gateway's public key at a running ingest (default URL http://127.0.0.1:8080, or
FRESHTRAIL_URL). Batches the gateway sent before enrollment were quarantined; they are verified
and admitted now.`;

export async function gatewayCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values } = parseCommandArgs(
    rest,
    {
      id: { type: 'string' },
      'public-key': { type: 'string' },
      label: { type: 'string' },
      url: { type: 'string' },
      reason: { type: 'string' },
      'effective-at': { type: 'string' },
      ttl: { type: 'string' },
    },
    USAGE,
  );
  if (values.help || !sub) return print(USAGE), sub ? 0 : 2;
  const base = ingestBaseUrl(values.url);
  if (isIdentitySubcommand(sub)) return identityCommand(sub, base, values, USAGE);
  if (sub === 'list') {
    const body = await request(`${base}/api/v1/gateways`, { method: 'GET' });
    print(JSON.stringify(body, null, 2));
    return 0;
  }
  if (sub !== 'enroll') throw new UsageError(`unknown gateway subcommand "${sub}"\n\n${USAGE}`);
  if (!values.id || !values['public-key']) throw new UsageError(`--id and --public-key are required\n\n${USAGE}`);
  const publicKey = await readPublicKeyArg(values['public-key']);
  const body = await request(`${base}/api/v1/gateways`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id: values.id, publicKey, ...(values.label ? { label: values.label } : {}) }),
  });
  print(JSON.stringify(body));
  return 0;
}
