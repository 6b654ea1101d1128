/** The command hook with real child processes (node -e scripts standing in for operator tools). */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../test/support/wait.js';
import { HookQueue, runCommand, type HookFailureReason, type HookJob } from './hook.js';

const node = process.execPath;
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ft-hook-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Appends {stdin, env var} as one JSON line to the file named by its first argument. */
const RECORD_STDIN = `
const fs = require('node:fs');
let input = '';
process.stdin.on('data', (c) => (input += c)).on('end', () => {
  fs.appendFileSync(process.argv[1], JSON.stringify({ stdin: input, state: process.env.FRESHTRAIL_ALARM_STATE ?? null }) + '\\n');
});`;

const input = (stdin: string, env: NodeJS.ProcessEnv = {}, timeoutMs = 5000): { stdin: string; env: NodeJS.ProcessEnv; timeoutMs: number } => ({ stdin, env: { PATH: process.env.PATH, ...env }, timeoutMs });

describe('runCommand', () => {
  it('gives the command its stdin and environment, without a shell', async () => {
    const out = join(dir, 'out.jsonl');
    const stdin = '{"state":"raised","note":"$(touch pwned) ; `x`"}\n';
    const outcome = await runCommand([node, '-e', RECORD_STDIN, out], input(stdin, { FRESHTRAIL_ALARM_STATE: 'raised' }));
    expect(outcome).toEqual({ ok: true });
    expect(JSON.parse(await readFile(out, 'utf8'))).toEqual({ stdin, state: 'raised' });
    expect(existsSync('pwned')).toBe(false);
  });

  it('reports a non-zero exit with the tail of stderr', async () => {
    const outcome = await runCommand([node, '-e', 'console.error("modem not found"); process.exit(3)'], input('{}'));
    expect(outcome).toEqual({ ok: false, reason: 'exit', detail: 'exit code 3: modem not found' });
  });

  it('reports a program that cannot be started', async () => {
    const outcome = await runCommand([join(dir, 'no-such-siren')], input('{}'));
    expect(outcome).toMatchObject({ ok: false, reason: 'spawn', detail: expect.stringMatching(/ENOENT/) });
  });

  it('succeeds when the command ignores its stdin', async () => {
    expect(await runCommand([node, '-e', 'process.exit(0)'], input('x'.repeat(1 << 20)))).toEqual({ ok: true });
  });

  it('kills a command running past its timeout, with what it started', async () => {
    const late = join(dir, 'late');
    // The hook starts a child that would write a file after 700 ms, then waits forever.
    const script = `require('node:child_process').spawn(process.execPath, ['-e', "setTimeout(() => require('node:fs').writeFileSync(process.argv[1], 'x'), 700)", process.argv[1]], { stdio: 'ignore' }); setInterval(() => {}, 1000);`;
    const started = Date.now();
    const outcome = await runCommand([node, '-e', script, late], input('{}', {}, 300));
    expect(outcome).toEqual({ ok: false, reason: 'timeout', detail: 'killed after 300 ms' });
    expect(Date.now() - started).toBeLessThan(3000);
    await new Promise((r) => setTimeout(r, 900));
    expect(existsSync(late)).toBe(false);
  });
});

describe('HookQueue', () => {
  it('runs jobs one at a time in arrival order', async () => {
    const log = join(dir, 'log.txt');
    // Each run writes "start n", waits 50 ms, writes "end n": overlapping runs would interleave.
    const script = `const fs = require('node:fs'); const n = process.env.N; fs.appendFileSync(process.argv[1], 'start ' + n + '\\n'); setTimeout(() => fs.appendFileSync(process.argv[1], 'end ' + n + '\\n'), 50);`;
    const queue = new HookQueue({ command: [node, '-e', script, log], maxWaiting: 10, onFailure: () => expect.fail('no run fails') });
    for (const n of [1, 2, 3]) queue.push({ label: { n }, input: input('', { N: String(n) }) });
    await queue.idle();
    expect((await readFile(log, 'utf8')).trim().split('\n')).toEqual(['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
  });

  it('does not pile up behind a slow command: the oldest waiting run is dropped and reported', async () => {
    const out = join(dir, 'out.jsonl');
    const failures: Array<{ reason: HookFailureReason; job: HookJob }> = [];
    const script = `${RECORD_STDIN}\nsetTimeout(() => {}, Number(process.env.SLEEP_MS ?? 0));`;
    const queue = new HookQueue({ command: [node, '-e', script, out], maxWaiting: 2, onFailure: (reason, job) => failures.push({ reason, job }) });
    queue.push({ label: { n: 1 }, input: input('1', { SLEEP_MS: '300' }) }); // running
    for (const n of [2, 3, 4]) queue.push({ label: { n }, input: input(String(n)) }); // 2 is dropped for 4
    expect(failures).toEqual([{ reason: 'dropped', job: expect.objectContaining({ label: { n: 2 } }) }]);
    await queue.idle();
    await waitFor(async () => (await readFile(out, 'utf8')).trim().split('\n').length === 3, 'three runs');
    expect((await readFile(out, 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as { stdin: string }).stdin)).toEqual(['1', '3', '4']);
  });
});
