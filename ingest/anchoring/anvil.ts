/**
 * A real anvil (Foundry's local Ethereum node, npm @foundry-rs/anvil) for tests, benchmarks and the demo: started on
 * a port the OS picks (`--port 0`, read back from anvil's "Listening on" line, so no race with
 * other test files), ready once it answers JSON-RPC, stopped by stop(). anvil is an npm
 * dependency, so it is never skipped: a missing binary fails with the command that fixes it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface Anvil {
  rpcUrl: string;
  chainId: bigint;
  /** anvil's funded dev accounts' private keys (0x hex), as it printed them; [0] deploys. */
  privateKeys: string[];
  /** JSON-RPC call, e.g. rpc('anvil_mine', ['0x1']) or rpc('evm_snapshot'). */
  rpc(method: string, params?: unknown[]): Promise<unknown>;
  stop(): Promise<void>;
}

export interface AnvilOptions {
  /** Extra command-line arguments, e.g. ['--block-time', '1'], ['--no-mining'], ['--slots-in-an-epoch', '1']. */
  args?: string[];
  /** How long to wait for anvil to answer (ms). */
  startTimeoutMs?: number;
}

const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64' };

/** Path of the platform's anvil binary shipped by @foundry-rs/anvil-<platform>-<arch>. */
export function anvilBinary(): string {
  const pkg = `@foundry-rs/anvil-${process.platform}-${ARCH[process.arch] ?? process.arch}`;
  const fix = 'run `npm install` (it installs @foundry-rs/anvil and its platform binary)';
  let dir: string;
  try {
    dir = dirname(createRequire(import.meta.url).resolve(`${pkg}/package.json`));
  } catch {
    throw new Error(`anvil binary package ${pkg} is not installed; ${fix}`);
  }
  const bin = join(dir, 'bin', process.platform === 'win32' ? 'anvil.exe' : 'anvil');
  if (!existsSync(bin)) throw new Error(`anvil binary ${bin} is missing; ${fix}`);
  return bin;
}

async function jsonRpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  const body = (await res.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

export async function startAnvil(options: AnvilOptions = {}): Promise<Anvil> {
  const dir = await mkdtemp(join(tmpdir(), 'freshtrail-anvil-'));
  const configOut = join(dir, 'anvil.json');
  const child = spawn(anvilBinary(), ['--host', '127.0.0.1', '--port', '0', '--config-out', configOut, ...(options.args ?? [])], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const timeoutMs = options.startTimeoutMs ?? 15_000;
    const deadline = Date.now() + timeoutMs;
    let rpcUrl: string | undefined;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`anvil exited with code ${child.exitCode}:\n${output}`);
      if (Date.now() > deadline) throw new Error(`anvil did not answer JSON-RPC within ${timeoutMs} ms:\n${output}`);
      const listening = /Listening on (\S+):(\d+)/.exec(output);
      if (listening && !rpcUrl) rpcUrl = `http://${listening[1]}:${listening[2]}`;
      if (rpcUrl) {
        try {
          const chainId = BigInt((await jsonRpc(rpcUrl, 'eth_chainId')) as string);
          // --config-out is written before anvil listens; its private_keys are the dev accounts.
          const config = JSON.parse(await readFile(configOut, 'utf8')) as { private_keys: string[] };
          const url = rpcUrl;
          return { rpcUrl: url, chainId, privateKeys: config.private_keys, rpc: (method, params) => jsonRpc(url, method, params), stop };
        } catch {
          // not answering yet
        }
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  } catch (err) {
    await stop();
    throw err;
  }
}
