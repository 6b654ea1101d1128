import { existsSync, lstatSync, mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { skipWithoutTool } from '../test/support/tools.js';
import { closeSerialPort, openSerialPort, type SerialPortStream } from '../edge/serial/port.js';
import { createPtyPair, socatAvailable, type PtyPair } from './pty.js';
import { HostReader } from './testing.js';

const noSocat = skipWithoutTool('socat');

describe.skipIf(noSocat)('createPtyPair (socat)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  const track = <T extends PtyPair | SerialPortStream>(x: T): T => {
    cleanups.push('close' in x && 'devicePath' in x ? () => x.close() : () => closeSerialPort(x as SerialPortStream));
    return x;
  };

  it('reports socat as available', () => {
    expect(socatAvailable()).toBe(true);
  });

  it('creates two linked ptys that carry every byte value both ways through real bindings', async () => {
    const pair = track(await createPtyPair());
    expect(lstatSync(pair.hostPath).isSymbolicLink()).toBe(true);
    expect(readlinkSync(pair.hostPath)).toMatch(/^\/dev\/pts\/\d+$/);
    const device = track(await openSerialPort({ path: pair.devicePath, baudRate: 9600 }));
    const host = track(await openSerialPort({ path: pair.hostPath, baudRate: 9600, parity: 'even' }));
    const atDevice = new HostReader(device);
    const atHost = new HostReader(host);
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    host.write(all);
    expect(await atDevice.take(256)).toEqual(all);
    device.write(Buffer.from('hello\r\n'));
    expect(await atHost.line()).toBe('hello');
  });

  it('kills socat and removes its links on close (twice is fine)', async () => {
    const pair = await createPtyPair();
    expect(pair.pid).toBeGreaterThan(0);
    await pair.close();
    await pair.close();
    expect(existsSync(pair.hostPath)).toBe(false);
    expect(existsSync(pair.devicePath)).toBe(false);
    expect(() => process.kill(pair.pid!, 0)).toThrow(/ESRCH/);
  });

  it('puts links where asked and leaves the directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ft-pty-test-'));
    try {
      const pair = await createPtyPair({ dir, hostName: 'ttyCOLD', deviceName: 'ttyCOLD.device' });
      expect(pair.hostPath).toBe(join(dir, 'ttyCOLD'));
      expect(existsSync(pair.hostPath)).toBe(true);
      await pair.close();
      expect(existsSync(dir)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects with socat\'s complaint when it cannot create the links', async () => {
    await expect(createPtyPair({ dir: '/nonexistent-freshtrail-dir' })).rejects.toThrow(/socat exited|did not create/);
  });
});

describe.skipIf(noSocat)('socat lifetime', () => {
  it('dies with its parent even when the parent is killed with SIGKILL', async () => {
    const { spawn } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const script = fileURLToPath(new URL('./pty.ts', import.meta.url));
    // A child Node process makes a pair, prints socat's pid, and is then SIGKILLed.
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', `const { createPtyPair } = await import(${JSON.stringify(script)}); const p = await createPtyPair(); console.log(p.pid); setInterval(() => {}, 1000);`], {
      stdio: ['ignore', 'pipe', 'inherit'],
      cwd: fileURLToPath(new URL('..', import.meta.url)),
    });
    const pid = await new Promise<number>((resolve, reject) => {
      child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      child.once('exit', (code) => reject(new Error(`child exited early (${code})`)));
    });
    expect(pid).toBeGreaterThan(0);
    expect(() => process.kill(pid, 0)).not.toThrow();
    child.kill('SIGKILL');
    const deadline = Date.now() + 5000;
    let alive = true;
    while (alive && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      try {
        process.kill(pid, 0);
      } catch {
        alive = false;
      }
    }
    if (alive) process.kill(pid, 'SIGTERM'); // clean up before failing
    expect(alive).toBe(false);
  });
});
