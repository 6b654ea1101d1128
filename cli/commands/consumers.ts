import { parseCommandArgs, print, UsageError } from '../args.js';
import { ingestBaseUrl, requestJson } from '../ingest-client.js';

const USAGE = `usage: freshtrail consumers list [--url URL]
       freshtrail consumers rewind --name NAME --position N [--url URL]

After-commit consumers of a running ingest (default URL http://127.0.0.1:8080, or
FRESHTRAIL_URL), such as the InfluxDB sink (name "influx"). "list" shows each consumer's cursor
(commit position of the last batch it handled) and its backlog. "rewind" moves a cursor: the
consumer then delivers every batch committed after that position again (--position 0: all
stored batches), e.g. into an InfluxDB restored from a backup. Consumers are idempotent, so a
replay only fills what is missing.`;

interface ConsumerRow {
  name: string;
  configured: boolean;
  position: number;
  backlogBatches: number;
  backlogReadings: number;
}

export async function consumersCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values } = parseCommandArgs(rest, { url: { type: 'string' }, name: { type: 'string' }, position: { type: 'string' } }, USAGE);
  if (values.help || !sub) return print(USAGE), sub ? 0 : 2;
  const base = ingestBaseUrl(values.url);
  if (sub === 'list') {
    const { consumers } = (await requestJson(`${base}/api/v1/consumers`, { method: 'GET' })) as { consumers: ConsumerRow[] };
    if (consumers.length === 0) return print('no after-commit consumers are configured (sinks.influx) or stored'), 0;
    print(['name', 'configured', 'position', 'backlog batches', 'backlog readings'].join('\t'));
    for (const c of consumers) print([c.name, c.configured ? 'yes' : 'no', c.position, c.backlogBatches, c.backlogReadings].join('\t'));
    return 0;
  }
  if (sub !== 'rewind') throw new UsageError(`unknown consumers subcommand "${sub}"\n\n${USAGE}`);
  const position = Number(values.position);
  if (!values.name || values.position === undefined || !/^\d+$/.test(values.position) || !Number.isSafeInteger(position)) {
    throw new UsageError(`--name and --position (an integer ≥ 0) are required\n\n${USAGE}`);
  }
  const body = (await requestJson(`${base}/api/v1/consumers/${encodeURIComponent(values.name)}/cursor`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ position }),
  })) as { previous: number };
  print(`consumer ${values.name}: cursor moved from ${body.previous} to ${position}; it delivers the batches after ${position} within its next round`);
  return 0;
}
