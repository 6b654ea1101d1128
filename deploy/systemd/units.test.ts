/**
 * The systemd units parse (systemd's INI dialect) and carry the settings the deployment guide
 * relies on; where systemd-analyze exists, systemd itself verifies them.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { skipWithoutTool } from '../../test/support/tools.js';

const here = dirname(fileURLToPath(import.meta.url));
const UNITS = ['freshtrail-edge.service', 'freshtrail-ingest.service'];

type Unit = Record<string, Record<string, string[]>>;

/**
 * systemd.syntax(7): `[Section]` headers, `Key=Value` lines, `#`/`;` comments, a trailing
 * backslash continues a line. A key may repeat (values accumulate). Throws on any other line.
 */
function parseUnit(text: string): Unit {
  const unit: Unit = {};
  let section: string | undefined;
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const header = /^\[([A-Za-z]+)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      unit[section] ??= {};
      return;
    }
    const entry = /^([A-Za-z][A-Za-z0-9]*)=(.*)$/.exec(line);
    if (!entry || !section) throw new Error(`line ${i + 1}: not a key=value line inside a section: ${raw}`);
    (unit[section]![entry[1]!] ??= []).push(entry[2]!.trim());
  });
  return unit;
}

async function load(name: string): Promise<Unit> {
  return parseUnit(await readFile(join(here, name), 'utf8'));
}

/** The last value of a key, as systemd uses for single-valued settings. */
function value(unit: Unit, section: string, key: string): string | undefined {
  return unit[section]?.[key]?.at(-1);
}

function seconds(timespan: string | undefined): number {
  const match = /^(\d+)\s*(s|min)?$/.exec(timespan ?? '');
  if (!match) throw new Error(`unexpected time span ${timespan}`);
  return Number(match[1]) * (match[2] === 'min' ? 60 : 1);
}

describe('systemd units', () => {
  it.each(UNITS)('%s parses as a unit file with [Unit], [Service] and [Install]', async (name) => {
    const unit = await load(name);
    expect(Object.keys(unit)).toEqual(['Unit', 'Service', 'Install']);
    expect(value(unit, 'Install', 'WantedBy')).toBe('multi-user.target');
  });

  it.each(UNITS)('%s restarts forever, runs as a dedicated user with a hardened sandbox and no watchdog', async (name) => {
    const unit = await load(name);
    const s = (key: string) => value(unit, 'Service', key);
    expect(s('Restart')).toBe('always');
    expect(value(unit, 'Unit', 'StartLimitIntervalSec')).toBe('0');
    expect(s('User')).toMatch(/^freshtrail/);
    expect(s('User')).not.toBe('root');
    expect(s('NoNewPrivileges')).toBe('yes');
    expect(s('ProtectSystem')).toBe('strict');
    expect(s('ProtectHome')).toBe('yes');
    expect(s('PrivateTmp')).toBe('yes');
    expect(s('CapabilityBoundingSet')).toBe('');
    expect(s('ReadWritePaths')).toBe(`/var/lib/${s('StateDirectory')}`);
    expect(s('ExecStart')).toMatch(/^\/\S+\/freshtrail (edge|ingest) --config \/etc\/freshtrail\//);
    // Watchdog-free design (see the unit's header comment); V8 needs W+X memory.
    expect(s('WatchdogSec')).toBeUndefined();
    expect(s('Type')).toBe('exec');
    expect(s('MemoryDenyWriteExecute')).toBeUndefined();
  });

  it('the edge unit keeps its state in /var/lib/freshtrail, reaches serial ports and has time to drain', async () => {
    const unit = await load('freshtrail-edge.service');
    const s = (key: string) => value(unit, 'Service', key);
    expect(s('StateDirectory')).toBe('freshtrail');
    expect(s('WorkingDirectory')).toBe('/var/lib/freshtrail');
    expect(s('SupplementaryGroups')).toBe('dialout');
    expect(s('ExecStart')).toContain(' edge --config /etc/freshtrail/edge.yaml');
    expect(seconds(s('TimeoutStopSec'))).toBeGreaterThanOrEqual(30);
    // Either would hide the serial ports (ProtectClock implies a device allow-list).
    expect(s('PrivateDevices')).toBeUndefined();
    expect(s('ProtectClock')).toBeUndefined();
    // Starts without a network: readings are recorded offline.
    expect(value(unit, 'Unit', 'Wants') ?? '').not.toContain('network-online.target');
  });

  it('the ingest unit has its own user and state directory', async () => {
    const unit = await load('freshtrail-ingest.service');
    const s = (key: string) => value(unit, 'Service', key);
    expect(s('User')).toBe('freshtrail-ingest');
    expect(s('StateDirectory')).toBe('freshtrail-ingest');
    expect(s('ExecStart')).toContain(' ingest --config /etc/freshtrail/ingest.yaml --data-dir /var/lib/freshtrail-ingest');
    expect(s('PrivateDevices')).toBe('yes');
  });

  it('systemd-analyze verify accepts both units', async () => {
    if (skipWithoutTool('systemd-analyze', 'apt-get install -y systemd')) return;
    // verify checks that ExecStart's program exists; FreshTrail is not installed here, so the
    // copies point it at this Node.js binary and everything else is verified as shipped.
    const dir = await mkdtemp(join(tmpdir(), 'ft-units-'));
    try {
      const paths = await Promise.all(
        UNITS.map(async (name) => {
          const text = await readFile(join(here, name), 'utf8');
          const path = join(dir, name);
          await writeFile(path, text.replace(/^ExecStart=\S+/m, `ExecStart=${process.execPath}`));
          return path;
        }),
      );
      const result = await new Promise<{ code: number; stderr: string }>((resolve) => {
        execFile('systemd-analyze', ['verify', ...paths], { encoding: 'utf8', timeout: 20_000 }, (error, _stdout, stderr) =>
          resolve({ code: error ? Number(error.code ?? -1) : 0, stderr }),
        );
      });
      expect(result).toEqual({ code: 0, stderr: '' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
