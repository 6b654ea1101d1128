/**
 * `freshtrail edge status` against a real status server: the command function in-process for
 * the details, and the real CLI in a child process for the exit codes a shell script sees.
 * (Here rather than next to cli/commands/edge-status.ts to keep this change inside edge/status/.)
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { edgeStatusCommand } from '../../cli/commands/edge-status.js';
import { UsageError } from '../../cli/args.js';
import { ConfigError } from '../../common/config.js';
import { silentLogger } from '../../common/log.js';
import { EdgeMetrics } from '../metrics.js';
import type { EdgeStatus } from '../status-types.js';
import { startStatusServer, type StatusServer } from './status-server.js';
import { MIN, NOW, healthyStatus, statusConfig } from './test-fixtures.js';

let current: EdgeStatus = healthyStatus();
let agent: StatusServer;
let dir: string;

beforeAll(async () => {
  agent = await startStatusServer(statusConfig({ port: 0 }), { status: () => current, registry: new EdgeMetrics().registry, logger: silentLogger() });
  dir = await mkdtemp(join(tmpdir(), 'ft-edge-status-'));
});
afterAll(async () => {
  await agent.close();
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  current = healthyStatus();
});

function unhealthy(): EdgeStatus {
  const status = healthyStatus();
  status.outbox.oldestUnackedTs = NOW - 45 * MIN;
  return status;
}

/** Runs the command function and captures what it prints. */
async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await edgeStatusCommand(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** A loopback port nobody listens on: bound, then released. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('edge status command', () => {
  it('prints the summary and exits 0 when the agent is healthy', async () => {
    const { code, out, err } = await run(['--url', agent.url]);
    expect(code).toBe(0);
    expect(err).toBe('');
    expect(out).toMatch(/^gateway {4}farm-a-gw1 /);
    expect(out).toContain('health     HEALTHY');
    expect(out).toContain('cold-rooms-rs485  modbus  ok');
  });

  it('exits 1 when the agent reports itself unhealthy, with the reason in the summary', async () => {
    current = unhealthy();
    const { code, out } = await run(['--url', agent.url]);
    expect(code).toBe(1);
    expect(out).toContain('health     UNHEALTHY');
    expect(out).toContain('x backlog: the oldest unacknowledged reading is 45 min old');
  });

  it('--json prints the status document unchanged; the verdict goes to stderr and the exit code', async () => {
    const ok = await run(['--url', agent.url, '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toEqual(healthyStatus());
    current = unhealthy();
    const bad = await run(['--json', '--url', `${agent.url}/status`]);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.out)).toEqual(unhealthy());
    expect(bad.err).toMatch(/^freshtrail edge status: unhealthy: the oldest unacknowledged reading/);
  });

  it('says plainly that no agent answers when nothing listens, and exits 1', async () => {
    const port = await freePort();
    const { code, out, err } = await run(['--url', `http://127.0.0.1:${port}`]);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toBe(`freshtrail edge status: no edge agent answers at http://127.0.0.1:${port} (connection refused): is it running? is status.enabled true?`);
  });

  it('tells another HTTP server apart from an agent', async () => {
    const other = createServer((_req, res) => res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not here</h1>'));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const { port } = other.address() as { port: number };
    try {
      const { code, err } = await run(['--url', `http://127.0.0.1:${port}`]);
      expect(code).toBe(1);
      expect(err).toContain(`something answers at http://127.0.0.1:${port}, but GET /status returned HTTP 404 (text/html)`);
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it('finds the agent through the status section of --config, ignoring the rest of the file', async () => {
    const file = join(dir, 'edge.yaml');
    await writeFile(file, `gateway: { id: farm-a-gw1, keyFile: ./k }\nsomethingElse: 1\nstatus:\n  host: 127.0.0.1\n  port: ${agent.port}\n`);
    const { code, out } = await run(['--config', file]);
    expect(code).toBe(0);
    expect(out).toContain('farm-a-gw1');
  });

  it('lets --url win over --config', async () => {
    const file = join(dir, 'other.yaml');
    await writeFile(file, `status: { port: ${await freePort()} }\n`);
    expect((await run(['--config', file, '--url', agent.url])).code).toBe(0);
  });

  it('rejects a config whose status section is disabled or invalid, naming the key (exit 2 in the CLI)', async () => {
    const disabled = join(dir, 'disabled.yaml');
    await writeFile(disabled, 'status:\n  enabled: false\n');
    await expect(run(['--config', disabled])).rejects.toThrow(ConfigError);
    await expect(run(['--config', disabled])).rejects.toThrow('status.enabled is false');
    const typo = join(dir, 'typo.yaml');
    await writeFile(typo, 'status:\n  prot: 9000\n');
    await expect(run(['--config', typo])).rejects.toThrow('status.prot: unknown key');
  });

  it('rejects usage errors', async () => {
    await expect(run(['--url', 'not a url'])).rejects.toThrow(UsageError);
    await expect(run(['--url', 'ftp://127.0.0.1:21'])).rejects.toThrow('--url must be an http:// URL');
    await expect(run(['extra'])).rejects.toThrow('unexpected argument "extra"');
    await expect(run(['--frobnicate'])).rejects.toThrow(UsageError);
  });

  it('prints its usage with --help and exits 0', async () => {
    const { code, out } = await run(['--help']);
    expect(code).toBe(0);
    expect(out).toMatch(/^usage: freshtrail edge status \[--url http:\/\/127\.0\.0\.1:8071\]/);
  });
});

describe('freshtrail edge status (child process)', () => {
  /** The real CLI entry (cli/main.ts → edge → status), as edge/config.test.ts runs it. */
  function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const entry = "const { main } = await import('./cli/main.ts'); process.exitCode = await main(process.argv.slice(1));";
    return new Promise((resolve) => {
      // Asynchronous on purpose: the status server answering the child lives in this process.
      execFile(process.execPath, ['--import', 'tsx', '-e', entry, ...args], { encoding: 'utf8', timeout: 20_000 }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  }

  it('exits 0 healthy, 1 unhealthy, 1 with no agent, 2 on a usage error', async () => {
    // A second agent that is unhealthy, so the four runs can go in parallel.
    const sickAgent = await startStatusServer(statusConfig({ port: 0 }), { status: unhealthy, registry: new EdgeMetrics().registry, logger: silentLogger() });
    const port = await freePort();
    try {
      const [healthy, sick, absent, usage] = await Promise.all([
        cli(['edge', 'status', '--url', agent.url]),
        cli(['edge', 'status', '--url', sickAgent.url, '--json']),
        cli(['edge', 'status', '--url', `http://127.0.0.1:${port}`]),
        cli(['edge', 'status', '--url']),
      ]);
      expect(healthy).toMatchObject({ code: 0, stderr: '' });
      expect(healthy.stdout).toContain('health     HEALTHY');
      expect(sick.code).toBe(1);
      expect(JSON.parse(sick.stdout)).toMatchObject({ gatewayId: 'farm-a-gw1' });
      expect(sick.stderr).toContain('unhealthy: the oldest unacknowledged reading is 45 min old');
      expect(absent.code).toBe(1);
      expect(absent.stderr).toContain(`no edge agent answers at http://127.0.0.1:${port}`);
      expect(usage.code).toBe(2);
      expect(usage.stderr).toContain('usage: freshtrail edge status');
    } finally {
      await sickAgent.close();
    }
  });
});
