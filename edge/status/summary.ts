/**
 * The human-readable form of a status document, as `freshtrail edge status` prints it: one
 * labelled block per part of the agent, ages relative to the gateway clock in the document.
 * Pure, so it is tested on fixed documents.
 */
import type { ActiveAlarm, EdgeStatus, InputStatus } from '../status-types.js';
import type { HealthFinding, HealthReport } from './health.js';
import { formatBytes, formatDuration } from './units.js';

const LABEL_WIDTH = 10;

export function formatStatusSummary(status: EdgeStatus, health: HealthReport): string {
  return [
    ...gatewayBlock(status),
    ...healthBlock(health),
    ...forwarderBlock(status),
    ...inputsBlock(status),
    ...outboxBlock(status),
    ...alarmsBlock(status),
  ].join('\n');
}

function labelled(label: string, lines: string[]): string[] {
  return lines.map((line, i) => `${(i === 0 ? label : '').padEnd(LABEL_WIDTH)} ${line}`.trimEnd());
}

function ago(status: EdgeStatus, ts: number | undefined, never = 'never'): string {
  return ts === undefined ? never : `${formatDuration(status.now - ts)} ago`;
}

function gatewayBlock(status: EdgeStatus): string[] {
  const clock = new Date(status.now).toISOString();
  return labelled('gateway', [`${status.gatewayId}  (freshtrail ${status.version}, up ${formatDuration(status.now - status.startedAt)}, clock ${clock})`]);
}

function healthBlock(health: HealthReport): string[] {
  const item = (mark: string) => (f: HealthFinding) => `${mark} ${f.check}: ${f.message}`;
  return labelled('health', [
    health.healthy ? 'HEALTHY' : 'UNHEALTHY',
    ...health.reasons.map(item('x')),
    ...health.warnings.map(item('!')),
  ]);
}

function forwarderBlock(status: EdgeStatus): string[] {
  const f = status.forwarder;
  const lines = [`${f.transport}, ${f.connected ? 'connected' : 'DISCONNECTED'}, last ack ${ago(status, f.lastAckAt)}`];
  if (f.lastError) lines.push(`last error: ${f.lastError}`);
  return labelled('forwarder', lines);
}

function inputsBlock(status: EdgeStatus): string[] {
  if (status.inputs.length === 0) return labelled('inputs', ['none running']);
  const header = ['NAME', 'TYPE', 'HEALTH', 'READINGS', 'ERRORS', 'LAST READING'];
  const rows = status.inputs.map((input: InputStatus) => [
    input.name,
    input.type,
    input.healthy ? 'ok' : 'DOWN',
    String(input.readings),
    String(input.errors),
    ago(status, input.lastReadingAt),
  ]);
  const widths = header.map((h, col) => Math.max(h.length, ...rows.map((r) => r[col]!.length)));
  const numeric = new Set([3, 4]);
  const line = (cells: string[]) => cells.map((c, col) => (numeric.has(col) ? c.padStart(widths[col]!) : c.padEnd(widths[col]!))).join('  ');
  const lines = [line(header)];
  status.inputs.forEach((input, i) => {
    lines.push(line(rows[i]!));
    if (input.lastError) lines.push(`  last error: ${input.lastError}`);
  });
  return labelled('inputs', lines);
}

function outboxBlock(status: EdgeStatus): string[] {
  const o = status.outbox;
  const percent = o.limitBytes > 0 ? ` (${Math.round((o.bytes / o.limitBytes) * 100)} %)` : '';
  return [
    ...labelled('outbox', [
      `${o.unsealedReadings} readings unsealed, ${o.pendingBatches} batches awaiting acknowledgement, chain seq ${o.chainSeq}`,
      `oldest unacknowledged reading ${ago(status, o.oldestUnackedTs, 'none')}, last ack ${ago(status, o.lastAckAt)}`,
    ]),
    ...labelled('disk', [
      `${formatBytes(o.bytes)} of ${formatBytes(o.limitBytes)}${percent}, ${o.full ? 'FULL' : 'not full'}, when full: ${o.policy}, ${o.droppedReadings} readings dropped`,
    ]),
  ];
}

function alarmsBlock(status: EdgeStatus): string[] {
  if (status.alarms.length === 0) return labelled('alarms', ['none']);
  return labelled(
    'alarms',
    status.alarms.map((a: ActiveAlarm) => `${a.rule} at ${a.location}: value ${a.value}, since ${new Date(a.since).toISOString()} (${formatDuration(status.now - a.since)})`),
  );
}
