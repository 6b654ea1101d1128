/**
 * What "healthy" means for a gateway, as a pure function of the status document: GET /healthz
 * answers 200 or 503 from it and `freshtrail edge status` exits 0 or 1 from it.
 *
 * A gateway is unhealthy when it has stopped doing its job, i.e. readings are not being taken
 * or are not reaching the ingest, and an operator has to act:
 *  - outbox:    the outbox reached its disk bound (new readings refused, or the oldest dropped);
 *  - forwarder: disconnected, and neither an acknowledgement nor the agent start is more recent
 *               than `forwarderDownMs`;
 *  - backlog:   the oldest unacknowledged reading is older than `maxUnackedAgeMs` (an ingest that
 *               is reachable but does not commit shows up here, not under forwarder);
 *  - inputs:    no input is healthy, once `startupGraceMs` after the start has passed.
 * Everything else worth a look (one input of several down, a short disconnection, a nearly full
 * outbox, dropped readings) is a warning and leaves the verdict healthy. Active alarms concern
 * the produce, not the gateway, and never affect health.
 *
 * Ages are taken against `status.now`, the gateway clock when the status was taken, so a status
 * read from another machine is judged consistently; negative ages (a clock step backwards, as
 * on a Raspberry Pi without RTC before NTP sync) count as zero.
 */
import type { EdgeStatus, InputStatus } from '../status-types.js';
import type { HealthThresholds } from './config.js';
import { formatDuration } from './units.js';

export type { HealthThresholds } from './config.js';

export type HealthCheck = 'outbox' | 'forwarder' | 'backlog' | 'inputs' | 'status';

export interface HealthFinding {
  /** Which check found it; stable, for scripts and alert routing. */
  check: HealthCheck;
  /** What is wrong, in words an operator can act on. */
  message: string;
}

/** The body of GET /healthz. */
export interface HealthReport {
  healthy: boolean;
  /** Why the gateway is unhealthy; empty when healthy. */
  reasons: HealthFinding[];
  /** Worth a look, not enough to call the gateway unhealthy. */
  warnings: HealthFinding[];
}

/** Share of the outbox disk bound above which a warning is raised before it is full. */
export const OUTBOX_WARN_FRACTION = 0.9;

interface Finding extends HealthFinding {
  severity: 'reason' | 'warning';
}

export function assessHealth(status: EdgeStatus, thresholds: HealthThresholds): HealthReport {
  const findings = [
    ...checkOutbox(status),
    ...checkForwarder(status, thresholds),
    ...checkBacklog(status, thresholds),
    ...checkInputs(status, thresholds),
  ];
  const pick = (severity: Finding['severity']): HealthFinding[] =>
    findings.filter((f) => f.severity === severity).map(({ check, message }) => ({ check, message }));
  const reasons = pick('reason');
  return { healthy: reasons.length === 0, reasons, warnings: pick('warning') };
}

/** The report when no status document could be taken at all. */
export function unavailableHealth(message: string): HealthReport {
  return { healthy: false, reasons: [{ check: 'status', message }], warnings: [] };
}

function ageOf(status: EdgeStatus, ts: number): number {
  return Math.max(0, status.now - ts);
}

function checkOutbox(status: EdgeStatus): Finding[] {
  const { outbox } = status;
  const findings: Finding[] = [];
  const use = `${Math.round((outbox.bytes / Math.max(1, outbox.limitBytes)) * 100)} % of its disk limit`;
  if (outbox.full) {
    const effect =
      outbox.policy === 'block'
        ? 'new readings are refused until the ingest acknowledges batches'
        : `the oldest unacknowledged readings are being dropped (${outbox.droppedReadings} so far)`;
    findings.push({ severity: 'reason', check: 'outbox', message: `the outbox is full (${use}): ${effect}` });
  } else if (outbox.limitBytes > 0 && outbox.bytes >= outbox.limitBytes * OUTBOX_WARN_FRACTION) {
    findings.push({ severity: 'warning', check: 'outbox', message: `the outbox is at ${use}` });
  }
  if (outbox.droppedReadings > 0 && !(outbox.full && outbox.policy === 'drop-oldest')) {
    findings.push({ severity: 'warning', check: 'outbox', message: `${outbox.droppedReadings} readings were dropped or refused because the outbox was full` });
  }
  return findings;
}

function checkForwarder(status: EdgeStatus, thresholds: HealthThresholds): Finding[] {
  const { forwarder } = status;
  if (forwarder.connected) return [];
  // The status carries no "disconnected since": the last acknowledgement is the last proof the
  // link worked, and a restarted agent gets a fresh allowance (a long outage across restarts is
  // the backlog check's job).
  const lastProof = Math.max(status.startedAt, forwarder.lastAckAt ?? 0, status.outbox.lastAckAt ?? 0);
  const quiet = ageOf(status, lastProof);
  const cause = forwarder.lastError ? ` (${forwarder.lastError})` : '';
  const limit = thresholds.forwarderDownMs;
  if (limit > 0 && quiet > limit) {
    return [
      {
        severity: 'reason',
        check: 'forwarder',
        message: `the ${forwarder.transport} forwarder is disconnected${cause} and nothing was acknowledged for ${formatDuration(quiet)} (limit ${formatDuration(limit)})`,
      },
    ];
  }
  return [{ severity: 'warning', check: 'forwarder', message: `the ${forwarder.transport} forwarder is disconnected${cause}; readings wait in the outbox` }];
}

function checkBacklog(status: EdgeStatus, thresholds: HealthThresholds): Finding[] {
  const oldest = status.outbox.oldestUnackedTs;
  const limit = thresholds.maxUnackedAgeMs;
  if (oldest === undefined || limit === 0) return [];
  const age = ageOf(status, oldest);
  if (age <= limit) return [];
  return [
    {
      severity: 'reason',
      check: 'backlog',
      message: `the oldest unacknowledged reading is ${formatDuration(age)} old (limit ${formatDuration(limit)}): readings are not reaching the ingest`,
    },
  ];
}

function checkInputs(status: EdgeStatus, thresholds: HealthThresholds): Finding[] {
  const starting = ageOf(status, status.startedAt) < thresholds.startupGraceMs;
  const down = status.inputs.filter((input) => !input.healthy);
  if (status.inputs.length === 0) {
    return [{ severity: starting ? 'warning' : 'reason', check: 'inputs', message: 'no input is running' }];
  }
  if (down.length === status.inputs.length) {
    const list = down.map((input) => describeInput(status, input)).join('; ');
    const message = starting ? `no input has delivered yet (agent starting): ${list}` : `no input is healthy: ${list}`;
    return [{ severity: starting ? 'warning' : 'reason', check: 'inputs', message }];
  }
  return down.map((input): Finding => ({ severity: 'warning', check: 'inputs', message: `input ${describeInput(status, input)}` }));
}

function describeInput(status: EdgeStatus, input: InputStatus): string {
  const last = input.lastReadingAt === undefined ? 'no reading yet' : `last reading ${formatDuration(ageOf(status, input.lastReadingAt))} ago`;
  return `${input.name} (${input.type}): ${last}${input.lastError ? `, ${input.lastError}` : ''}`;
}
