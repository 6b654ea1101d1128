/**
 * The `freshtrail` command line. Exit codes: 0 success, 1 runtime failure, 2 usage or
 * configuration error (the message names the option or key and the problem).
 */
import { ConfigError } from '../common/config.js';
import { FreshTrailError } from '../common/errors.js';
import { packageVersion } from '../common/version.js';
import { UsageError } from './args.js';

type Command = (argv: string[]) => Promise<number>;

// Commands are imported when run, so a gateway running `freshtrail edge` does not load the
// ingest's HTTP server, database driver and broker: less memory on a Raspberry Pi.
const COMMANDS: Record<string, { run: Command; summary: string }> = {
  demo: { run: async (argv) => (await import('./commands/demo.js')).demoCommand(argv), summary: 'run ingest, simulator and two edge agents together (try this first)' },
  ingest: { run: async (argv) => (await import('./commands/ingest.js')).ingestCommand(argv), summary: 'run the ingest service (HTTP API + embedded MQTT broker)' },
  edge: { run: async (argv) => (await import('./commands/edge.js')).edgeCommand(argv), summary: 'run a gateway agent' },
  sim: { run: async (argv) => (await import('./commands/sim.js')).simCommand(argv), summary: 'run simulated sensors on pseudo-terminals and MQTT' },
  keygen: { run: async (argv) => (await import('./commands/keygen.js')).keygenCommand(argv), summary: "create a gateway's Ed25519 key pair" },
  gateway: { run: async (argv) => (await import('./commands/gateway.js')).gatewayCommand(argv), summary: 'enroll, list, revoke gateways; join tokens and requests at a running ingest' },
  model: { run: async (argv) => (await import('./commands/model.js')).modelCommand(argv), summary: 'check a shelf-life model file, list commodities, predict a lot\'s shelf life' },
  apikey: { run: async (argv) => (await import('./commands/apikey.js')).apikeyCommand(argv), summary: 'create, list, revoke API keys and register parties, on the ingest\'s store' },
  consumers: { run: async (argv) => (await import('./commands/consumers.js')).consumersCommand(argv), summary: 'list and rewind the after-commit consumers (InfluxDB sink) of a running ingest' },
  chain: { run: async (argv) => (await import('./commands/chain.js')).chainCommand(argv), summary: 'deploy the on-chain anchor contract and show its status' },
  verify: { run: async (argv) => (await import('./commands/verify.js')).verifyCommand(argv), summary: "check a lot's evidence bundle: signatures, chains, proof, heads, and the anchor on chain" },
  bench: { run: async (argv) => (await import('./commands/bench.js')).benchCommand(argv), summary: 'run a benchmark, one JSON object per line' },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: freshtrail <command> [options]   (freshtrail <command> --help for details)\n\n${lines.join('\n')}`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name ? 0 : 2;
  }
  if (name === '--version') {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`freshtrail: unknown command "${name}"\n\n${usage()}\n`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) {
      process.stderr.write(`freshtrail ${name}: ${err.message}\n`);
      return 2;
    }
    if (err instanceof FreshTrailError) {
      process.stderr.write(`freshtrail ${name}: ${err.code}: ${err.message}\n`);
      return err.code === 'FT_ERR_KEY' || err.code === 'FT_ERR_PORT_IN_USE' ? 2 : 1;
    }
    process.stderr.write(`freshtrail ${name}: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}
