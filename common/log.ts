/**
 * Structured logging (pino). Components take a Logger so tests can silence or capture it.
 * Never log key material or tokens: log their ids instead.
 */
import { pino, destination, type Logger } from 'pino';

export type { Logger };

export function createLogger(options: { level?: string; name?: string; destination?: number } = {}): Logger {
  const level = options.level ?? process.env.FRESHTRAIL_LOG_LEVEL ?? 'info';
  return pino({ level, name: options.name, base: undefined, redact: ['*.privateKey', '*.token', '*.password', '*.authorization', '*.headers.authorization', '*.apiKey', '*.passphrase', '*.pin'] }, destination(options.destination ?? 2));
}

/** A logger that discards everything: for tests and embedded use where the caller reports. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
