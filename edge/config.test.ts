import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfigFile } from '../common/config.js';
import { EdgeConfigSchema } from './config.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ft-edge-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('edge configuration', () => {
  it('accepts the shipped sample and fills documented defaults', () => {
    const config = loadConfigFile('edge/edge.sample.yaml', EdgeConfigSchema);
    expect(config.gateway.id).toBe('farm-a-gw1');
    expect(config.inputs.map((i) => i.type)).toEqual(['modbus', 'serial-lines', 'serial-lines', 'mqtt', 'mqtt']);
    expect(config.forward.maxInFlight).toBe(8);
  });

  it('names the key and the problem', async () => {
    const path = join(dir, 'bad.yaml');
    await writeFile(path, 'gateway: { id: gw, keyFile: k }\nforward: { mqtt: { url: mqtt://x }, ackTimeotMs: 5 }\ninputs: []\n');
    expect(() => loadConfigFile(path, EdgeConfigSchema)).toThrow(ConfigError);
    expect(() => loadConfigFile(path, EdgeConfigSchema)).toThrow(/forward\.ackTimeotMs: unknown key/);
  });

  it('makes `freshtrail edge` exit with code 2 and one clear line on an invalid file', async () => {
    const path = join(dir, 'bad-gateway.yaml');
    await writeFile(path, 'gateway: { id: "farm/gw", keyFile: k }\nforward: { mqtt: { url: mqtt://x } }\ninputs: [{ type: modbus, name: m, port: /dev/null, sensors: [] }]\n');
    const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', "const { main } = await import('./cli/main.ts'); process.exitCode = await main(process.argv.slice(1));", 'edge', '--config', path], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/gateway\.id: must match pattern/);
  });
});
