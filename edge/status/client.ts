/**
 * Reads a running agent's status server (status-server.ts): the status document and the
 * agent's own health verdict, so `freshtrail edge status` judges with the thresholds the agent
 * was configured with rather than guessing them.
 */
import { errorMessage } from '../../common/errors.js';
import type { EdgeStatus } from '../status-types.js';
import type { HealthReport } from './health.js';

export interface AgentReport {
  status: EdgeStatus;
  health: HealthReport;
}

/** Why the status could not be read; the message is what the CLI prints. */
export class StatusReadError extends Error {
  constructor(
    readonly kind: 'unreachable' | 'not-an-agent' | 'agent-error',
    message: string,
  ) {
    super(message);
    this.name = 'StatusReadError';
  }
}

export interface ReadOptions {
  /** Per request. A healthy agent answers in milliseconds; a hung one should not hang the caller. */
  timeoutMs?: number;
}

export const DEFAULT_READ_TIMEOUT_MS = 5000;

export async function readAgentReport(baseUrl: string, options: ReadOptions = {}): Promise<AgentReport> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_READ_TIMEOUT_MS;
  const status = await getJson(baseUrl, '/status', [200], timeoutMs);
  if (!isEdgeStatus(status)) {
    throw new StatusReadError('not-an-agent', `something answers at ${baseUrl}, but GET /status did not return an edge agent status document: is --url (or status.port) right?`);
  }
  const health = await getJson(baseUrl, '/healthz', [200, 503], timeoutMs);
  if (!isHealthReport(health)) {
    throw new StatusReadError('not-an-agent', `something answers at ${baseUrl}, but GET /healthz did not return a health report: is --url (or status.port) right?`);
  }
  return { status, health };
}

async function getJson(baseUrl: string, path: string, okCodes: number[], timeoutMs: number): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(`${baseUrl}${path}`, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
  } catch (err) {
    throw new StatusReadError('unreachable', `no edge agent answers at ${baseUrl} (${describeFetchError(err, timeoutMs)}): is it running? is status.enabled true?`);
  }
  const text = await res.text().catch(() => '');
  if (res.status === 500) {
    throw new StatusReadError('agent-error', `the edge agent at ${baseUrl} cannot report its status: ${agentErrorMessage(text)}`);
  }
  if (!okCodes.includes(res.status)) {
    const type = res.headers.get('content-type');
    throw new StatusReadError('not-an-agent', `something answers at ${baseUrl}, but GET ${path} returned HTTP ${res.status}${type ? ` (${type})` : ''}: is --url (or status.port) right?`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new StatusReadError('not-an-agent', `something answers at ${baseUrl}, but GET ${path} did not return JSON: is --url (or status.port) right?`);
  }
}

/** "connection refused", "no answer within 5 s": the useful part of undici's "fetch failed". */
function describeFetchError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return `no answer within ${timeoutMs / 1000} s`;
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code === 'ECONNREFUSED') return 'connection refused';
  return cause?.code ?? cause?.message ?? errorMessage(err);
}

function agentErrorMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: string } };
    return body.error?.message ?? text.trim();
  } catch {
    return text.trim() || 'internal error';
  }
}

/** Enough of the shape to tell an agent from another HTTP server; the agent is trusted beyond. */
function isEdgeStatus(value: unknown): value is EdgeStatus {
  const v = value as Partial<EdgeStatus> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.gatewayId === 'string' &&
    typeof v.now === 'number' &&
    typeof v.forwarder === 'object' &&
    Array.isArray(v.inputs) &&
    typeof v.outbox === 'object' &&
    Array.isArray(v.alarms)
  );
}

function isHealthReport(value: unknown): value is HealthReport {
  const v = value as Partial<HealthReport> | null;
  return typeof v === 'object' && v !== null && typeof v.healthy === 'boolean' && Array.isArray(v.reasons) && Array.isArray(v.warnings);
}
