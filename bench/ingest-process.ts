/**
 * A real ingest in its own process, for benchmarks that drive it from outside as gateways do
 * (on its own core, as on its own machine).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';

export interface IngestProcess {
  httpUrl: string;
  mqttUrl: string;
  readonly child: ChildProcess;
  /** Enrolls a gateway key over the HTTP API. */
  enroll(id: string, publicKeyHex: string): Promise<void>;
  /** Readings the ingest has verified and stored (GET /api/v1/stats). */
  readingsVerified(): Promise<number>;
  /** The ingest's Prometheus metrics text (GET /metrics). */
  metricsText(): Promise<string>;
  stop(): Promise<void>;
}

export interface IngestProcessOptions {
  dataDir: string;
  /** Ingest configuration (as in ingest.yaml) merged over the bench defaults; written to `<dataDir>.json`. */
  config?: Record<string, unknown>;
  /** How to run the CLI: default this process's entry script (`freshtrail`); tests pass the tsx runner. */
  command?: string[];
}

/**
 * Benchmarks measure the pipeline, not the per-gateway rate limit (limits.gatewayRate, default
 * 2000 readings/s), which a bench's gateways would exceed by design.
 */
/**
 * Batches need no API credentials (their signatures authenticate them), so API authentication
 * does not touch what the benches measure; it is off so that several instances on one store
 * need no shared admin key for enrolling and reading counters.
 */
const BENCH_DEFAULTS = { http: { port: 0 }, mqtt: { embedded: { port: 0 } }, limits: { gatewayRate: { readingsPerSecond: 1e9, burstReadings: 1e9 } }, auth: { enabled: false }, logLevel: 'warn' };

/** Starts `freshtrail ingest --config …` on free ports and resolves once its API answers. */
export async function startIngestProcess(options: IngestProcessOptions): Promise<IngestProcess> {
  const configFile = `${options.dataDir}.json`;
  const config = mergeSections({ ...BENCH_DEFAULTS, dataDir: options.dataDir }, options.config ?? {});
  await writeFile(configFile, JSON.stringify(config));
  // Same runtime flags as this process (e.g. --import tsx when run from the sources).
  const command = options.command ?? [...process.execArgv, process.argv[1]!];
  const child = spawn(process.execPath, [...command, 'ingest', '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  let urls: { httpUrl: string; mqttUrl: string };
  try {
    urls = await readyLine(child, () => stderr);
    await until(async () => (await fetch(`${urls.httpUrl}/api/v1/health`).catch(() => undefined))?.ok === true, 30_000);
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  const { httpUrl, mqttUrl } = urls;
  return {
    httpUrl,
    mqttUrl,
    child,
    async enroll(id, publicKeyHex) {
      const res = await fetch(`${httpUrl}/api/v1/gateways`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id, publicKey: publicKeyHex }) });
      if (!res.ok && res.status !== 409) throw new Error(`bench: enrolling ${id} failed with HTTP ${res.status}: ${await res.text()}`);
    },
    async readingsVerified() {
      const stats = (await (await fetch(`${httpUrl}/api/v1/stats`)).json()) as { readingsVerified?: number };
      return stats.readingsVerified ?? 0;
    },
    async metricsText() {
      return (await fetch(`${httpUrl}/metrics`)).text();
    },
    stop: () => stopChild(child),
  };
}

/** `over` merged into `base`, section by section (plain objects merge, anything else replaces). */
function mergeSections(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const merged = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = merged[key];
    merged[key] = isPlainObject(current) && isPlainObject(value) ? mergeSections(current, value) : value;
  }
  return merged;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The URLs from the line `freshtrail ingest` prints once it listens (it binds port 0 here). */
function readyLine(child: ChildProcess, stderr: () => string): Promise<{ httpUrl: string; mqttUrl: string }> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => fail(new Error('bench: the ingest did not start within 60 s')), 60_000);
    const fail = (err: Error): void => {
      clearTimeout(timer);
      lines.close();
      reject(new Error(`${err.message}\n${stderr()}`));
    };
    lines.on('line', (line) => {
      const match = /API (\S+)\/api\/v1 .*MQTT (\S+),/.exec(line);
      if (!match) return;
      clearTimeout(timer);
      lines.removeAllListeners('line');
      child.stdout!.resume(); // keep draining so the child never blocks on a full pipe
      resolve({ httpUrl: match[1]!, mqttUrl: match[2]! });
    });
    child.once('exit', (code, signal) => fail(new Error(`bench: the ingest exited (${signal ?? code}) before it was ready`)));
  });
}

export async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`bench: gave up after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 10_000)))]);
  clearTimeout(timer);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
