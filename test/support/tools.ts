/**
 * Tests that need a system tool or service skip with a one-line notice on a machine without
 * it, and fail when CI=true: CI must never skip them silently.
 */
import { execFileSync } from 'node:child_process';
import { serviceAnswers } from '../../common/net.js';

export const inCI = process.env.CI === 'true';

function commandExists(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Returns true when the tests needing `command` must be skipped (prints why). Throws under
 * CI=true, so a missing tool fails the run.
 */
export function skipWithoutTool(command: string, install = `apt-get install -y ${command}`): boolean {
  if (commandExists(command)) return false;
  const message = `${command} is not installed (${install}); the tests that need it are skipped`;
  if (inCI) throw new Error(`CI=true and ${message.replace('are skipped', 'cannot run')}`);
  console.warn(`skip: ${message}`);
  return true;
}

/** Like {@link skipWithoutTool} for a network service such as Mosquitto or PostgreSQL. */
export async function skipWithoutService(name: string, host: string, port: number): Promise<boolean> {
  if (await serviceAnswers(host, port)) return false;
  const message = `${name} does not answer on ${host}:${port}; the tests that need it are skipped`;
  if (inCI) throw new Error(`CI=true and ${message.replace('are skipped', 'cannot run')}`);
  console.warn(`skip: ${message}`);
  return true;
}
