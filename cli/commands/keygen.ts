import { writeNewKeyFiles } from '../../edge/keyfile.js';
import { parseCommandArgs, print, UsageError } from '../args.js';

const USAGE = `usage: freshtrail keygen --out PATH [--force]

Creates a gateway's Ed25519 key pair on this device: PATH (private key, PKCS#8 PEM, mode 0600)
and PATH.pub (public key, 64 hex characters) to enroll at the ingest.`;

export async function keygenCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, { out: { type: 'string', short: 'o' }, force: { type: 'boolean' } }, USAGE);
  if (values.help) return print(USAGE), 0;
  if (!values.out) throw new UsageError(`--out is required\n\n${USAGE}`);
  const files = await writeNewKeyFiles(values.out, { force: values.force });
  print(`private key: ${files.privateKeyPath} (mode 0600; keep it on this gateway)`);
  print(`public key:  ${files.publicKeyPath}`);
  print(files.publicKeyHex);
  print(`enroll it:   freshtrail gateway enroll --id <gateway-id> --public-key ${files.publicKeyPath} --url http://<ingest>:8080`);
  return 0;
}
