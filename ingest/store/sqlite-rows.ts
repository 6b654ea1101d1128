/**
 * Row ↔ object mapping of the SQLite store: column names (snake_case, NULL) on one side, the
 * Store types (camelCase, undefined) on the other.
 */
import type { ErrorCode } from '../../common/errors.js';
import type { TimestampSource } from '../../protocol/reading.js';
import type { BatchHeader, Gateway, GatewaySummary, QuarantinedBatch, Rejection, StoredBatch, StoredReading, Transport } from './types.js';

export type Row = Record<string, unknown>;

export function summarySql(where: string): string {
  return `SELECT g.*, COUNT(b.seq) AS batches, COALESCE(SUM(b.reading_count), 0) AS readings,
                 MAX(b.received_at) AS last_seen_at, MAX(b.seq) AS last_seq
          FROM gateways g LEFT JOIN batches b ON b.gateway = g.id
          ${where} GROUP BY g.id ORDER BY g.id`;
}

/** `{ [key]: value }`, or nothing when the value is undefined (exactOptionalPropertyTypes): spread into a row's object. */
export function field<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

export function opt<T>(v: unknown, f: (x: unknown) => T): T | undefined {
  return v === null || v === undefined ? undefined : f(v);
}

export function toGateway(r: Row): Gateway {
  const gateway: Gateway = { id: String(r.id), publicKey: String(r.public_key), label: opt(r.label, String), enrolledAt: Number(r.enrolled_at) };
  // Columns of migration 004 (PostgreSQL 003); absent on rows read before it.
  if (r.revoked_at !== null && r.revoked_at !== undefined) {
    gateway.revocation = { effectiveAt: Number(r.revoked_at), reason: String(r.revocation_reason ?? ''), recordedAt: Number(r.revocation_recorded_at) };
  }
  return gateway;
}

export function toSummary(r: Row): GatewaySummary {
  return {
    ...toGateway(r),
    lastSeenAt: opt(r.last_seen_at, Number),
    lastSeq: opt(r.last_seq, Number),
    batches: Number(r.batches),
    readings: Number(r.readings),
  };
}

export const HEADER_COLUMNS = 'gateway, seq, id, prev, created_at, received_at, transport, reading_count, gap, clock_skew_ms';

export function toHeader(r: Row): BatchHeader {
  return {
    gateway: String(r.gateway),
    seq: Number(r.seq),
    id: String(r.id),
    prev: String(r.prev),
    createdAt: Number(r.created_at),
    receivedAt: Number(r.received_at),
    transport: r.transport as Transport,
    readingCount: Number(r.reading_count),
    flags: { gap: Number(r.gap) === 1, clockSkewMs: opt(r.clock_skew_ms, Number) },
  };
}

export function toBatch(r: Row): StoredBatch {
  return { ...toHeader(r), sig: String(r.sig), canonical: r.canonical as Buffer };
}

export function toReading(r: Row): StoredReading {
  return {
    batchId: String(r.batch_id),
    index: Number(r.idx),
    gateway: String(r.gateway),
    seq: Number(r.seq),
    sensor: String(r.sensor),
    location: String(r.location),
    ts: Number(r.ts),
    tsSource: r.ts_source as TimestampSource,
    tempC: opt(r.temp_c, Number),
    rh: opt(r.rh, Number),
    battery: opt(r.battery, Number),
    link: opt(r.link, Number),
    src: String(r.src),
  };
}

export function toRejection(r: Row): Rejection {
  return {
    code: r.code as ErrorCode,
    reason: String(r.reason),
    receivedAt: Number(r.received_at),
    transport: r.transport as Transport,
    gateway: opt(r.gateway, String),
    seq: opt(r.seq, Number),
    id: opt(r.id, String),
    sig: opt(r.sig, String),
    canonical: (r.canonical as Buffer | null) ?? undefined,
    conflictsWith: opt(r.conflicts_with, String),
  };
}

export function toQuarantined(r: Row): QuarantinedBatch {
  return {
    gateway: String(r.gateway),
    seq: Number(r.seq),
    id: String(r.id),
    sig: String(r.sig),
    canonical: r.canonical as Buffer,
    reason: String(r.reason),
    receivedAt: Number(r.received_at),
    transport: r.transport as Transport,
  };
}
