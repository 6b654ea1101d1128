/**
 * Linked pseudo-terminal pairs made by socat: bytes written on one side come out of the other,
 * and both sides are real ttys that node-serialport opens with its real bindings. The device
 * simulator holds `devicePath`; the edge agent opens `hostPath` as if it were /dev/ttyUSB0.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PtyPair {
  /** The side a simulated device opens. */
  devicePath: string;
  /** The side the edge agent opens (a symlink to /dev/pts/N). */
  hostPath: string;
  /** socat's process id (a fault test may kill it to unplug the line). */
  pid: number | undefined;
  /** Kills socat and removes the links. Safe to call twice. */
  close(): Promise<void>;
}

export interface PtyPairOptions {
  /** Directory for the links; a fresh temporary directory (removed on close) by default. */
  dir?: string;
  /** Link names inside `dir`. Defaults: "dev" and "host". */
  deviceName?: string;
  hostName?: string;
  /** How long to wait for socat to create both links. Default 5000 ms. */
  timeoutMs?: number;
}

let socatChecked: boolean | undefined;
let setprivChecked: boolean | undefined;

/** Whether the socat binary can be run here (checked once per process). */
export function socatAvailable(): boolean {
  socatChecked ??= spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;
  return socatChecked;
}

/**
 * socat outlives a parent killed by a signal (a test worker torn down, Ctrl-C before handlers
 * exist), since 'exit' handlers do not run then. util-linux `setpriv --pdeathsig` makes the
 * kernel send socat SIGTERM when its parent dies (prctl PR_SET_PDEATHSIG), then execs socat, so
 * the pid stays socat's. Without setpriv, the exit hook below is all there is.
 */
function socatCommand(args: string[]): [string, string[]] {
  setprivChecked ??= spawnSync('setpriv', ['--pdeathsig', 'TERM', '--', 'true'], { stdio: 'ignore' }).status === 0;
  return setprivChecked ? ['setpriv', ['--pdeathsig', 'TERM', '--', 'socat', ...args]] : ['socat', args];
}

/** socat processes still running; killed when this process exits, whatever the reason. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: kill() only sends the signal, which is all we need.
  process.on('exit', () => {
    for (const child of live) child.kill('SIGTERM');
  });
}

/**
 * Spawns `socat -d -d pty,raw,echo=0,link=<dir>/dev pty,raw,echo=0,link=<dir>/host` and
 * resolves once both links exist. raw,echo=0 makes the ptys 8-bit clean without echo, as a
 * serial line is. Rejects (and kills socat) if socat exits early or the links do not appear.
 */
export async function createPtyPair(options: PtyPairOptions = {}): Promise<PtyPair> {
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'freshtrail-pty-'));
  const devicePath = join(dir, options.deviceName ?? 'dev');
  const hostPath = join(dir, options.hostName ?? 'host');
  const [command, args] = socatCommand(['-d', '-d', `pty,raw,echo=0,link=${devicePath}`, `pty,raw,echo=0,link=${hostPath}`]);
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  installExitHook();
  live.add(child);

  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    // Keep only the tail: enough to explain a failure, bounded for long runs.
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      live.delete(child);
      resolve();
    });
  });
  let spawnError: Error | undefined;
  child.once('error', (err) => {
    spawnError = err;
    live.delete(child);
  });

  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    if (child.exitCode === null && child.signalCode === null && !spawnError) {
      child.kill('SIGTERM');
      await exited;
    }
    // socat removes its links on a clean exit; remove what is left either way.
    for (const path of [devicePath, hostPath]) rmSync(path, { force: true });
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.timeoutMs ?? 5000);
  while (!(existsSync(devicePath) && existsSync(hostPath))) {
    const failure = spawnError
      ? `cannot run socat: ${spawnError.message}`
      : child.exitCode !== null
        ? `socat exited with code ${child.exitCode}: ${stderr.trim().split('\n').pop() ?? ''}`
        : Date.now() > deadline
          ? `socat did not create ${devicePath} and ${hostPath} within ${options.timeoutMs ?? 5000} ms`
          : undefined;
    if (failure) {
      await close();
      throw new Error(failure);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  return { devicePath, hostPath, pid: child.pid, close };
}
