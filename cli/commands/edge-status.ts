/**
 * `freshtrail edge status`: asks a running edge agent's status server for its status and health
 * and prints a summary (or the status document with --json). Exit code 0 healthy, 1 unhealthy
 * or no agent answering, 2 usage or configuration error.
 */
import { Type } from '@sinclair/typebox';
import { ConfigError, loadConfigFile } from '../../common/config.js';
import { readAgentReport, StatusReadError } from '../../edge/status/client.js';
import { DEFAULT_STATUS_PORT, statusBaseUrl, StatusConfigSchema } from '../../edge/status/config.js';
import { formatStatusSummary } from '../../edge/status/summary.js';
import { parseCommandArgs, UsageError } from '../args.js';

const DEFAULT_URL = statusBaseUrl('127.0.0.1', DEFAULT_STATUS_PORT);

const USAGE = `usage: freshtrail edge status [--url ${DEFAULT_URL}] [--config edge.yaml] [--json]

Shows the status of the edge agent running on this machine: forwarder, inputs, outbox, disk
use, alarms, and whether the gateway is healthy. The agent is found at --url, else at the
host and port of the status section of --config, else at ${DEFAULT_URL}.
  --json   print the agent's status document (JSON) instead of the summary
Exit code: 0 healthy, 1 unhealthy or no agent answering, 2 usage or configuration error.`;

/** Where output goes; the CLI writes to the process streams, tests capture it. */
export interface CommandOutput {
  out(text: string): void;
  err(text: string): void;
}

const processOutput: CommandOutput = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

export async function edgeStatusCommand(argv: string[], output: CommandOutput = processOutput): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    { url: { type: 'string', short: 'u' }, config: { type: 'string', short: 'c' }, json: { type: 'boolean' } },
    USAGE,
  );
  if (values.help) return output.out(USAGE), 0;
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"\n\n${USAGE}`);
  const baseUrl = values.url !== undefined ? urlFromFlag(values.url) : values.config !== undefined ? urlFromConfig(values.config) : DEFAULT_URL;

  let report;
  try {
    report = await readAgentReport(baseUrl);
  } catch (err) {
    if (!(err instanceof StatusReadError)) throw err;
    output.err(`freshtrail edge status: ${err.message}`);
    return 1;
  }
  if (values.json) {
    output.out(JSON.stringify(report.status, null, 2));
    // stdout stays a clean JSON document; the verdict goes to stderr and the exit code.
    if (!report.health.healthy) output.err(`freshtrail edge status: unhealthy: ${report.health.reasons.map((r) => r.message).join('; ')}`);
  } else {
    output.out(formatStatusSummary(report.status, report.health));
  }
  return report.health.healthy ? 0 : 1;
}

/** Accepts the base URL or any of the server's route URLs (people paste what they curl'ed). */
function urlFromFlag(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--url must be a URL such as ${DEFAULT_URL}, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--url must be an http:// URL such as ${DEFAULT_URL}, got "${value}"`);
  const path = url.pathname.replace(/\/(status|healthz|metrics)\/?$/, '').replace(/\/+$/, '');
  return `${url.origin}${path}`;
}

/** Reads only the status section, so the command works whatever else the file holds. */
function urlFromConfig(path: string): string {
  const { status } = loadConfigFile(path, Type.Object({ status: StatusConfigSchema }));
  if (!status.enabled) {
    throw new ConfigError(`${path}: status.enabled is false, so the agent serves no status; set it to true and restart the agent`);
  }
  return statusBaseUrl(status.host, status.port);
}
