/**
 * A throwaway SoftHSM2 token for tests (not used by production code): a softhsm2.conf whose
 * tokendir is a temp dir, named by SOFTHSM2_CONF in this process' environment (SoftHSM reads it
 * at C_Initialize; vitest runs each test file in its own process), and one initialized token.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';

export interface TestToken {
  dir: string;
  /** What SOFTHSM2_CONF must name for the token to be seen (set in process.env already). */
  conf: string;
  module: string;
  tokenLabel: string;
  pin: string;
  soPin: string;
  cleanup(): void;
}

export function createSoftHsmToken(options: { tokenLabel?: string; pin?: string; soPin?: string } = {}): TestToken {
  const dir = mkdtempSync(join(tmpdir(), 'freshtrail-softhsm-'));
  const tokens = join(dir, 'tokens');
  mkdirSync(tokens);
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  const token = { tokenLabel: options.tokenLabel ?? 'fresh', pin: options.pin ?? '7391-test-pin', soPin: options.soPin ?? '5502-test-so-pin' };
  execFileSync('softhsm2-util', ['--init-token', '--free', '--label', token.tokenLabel, '--pin', token.pin, '--so-pin', token.soPin], {
    env: { ...process.env, SOFTHSM2_CONF: conf },
    stdio: 'ignore',
  });
  process.env.SOFTHSM2_CONF = conf;
  return { dir, conf, module: SOFTHSM_MODULE, ...token, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
