/**
 * A real ingest in its own process, for benchmarks that drive it from outside as gateways do
 * (on its own core, as on its own machine).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';

export interface IngestProcess {
  httpUrl: string;
  mqttUrl: string;
  /** Enrolls a gateway key over the HTTP API. */
  enroll(id: string, publicKeyHex: string): Promise<void>;
  /** Readings the ingest has verified and stored (GET /api/v1/stats). */
  readingsVerified(): Promise<number>;
  stop(): Promise<void>;
}

export async function startIngestProcess(dataDir: string): Promise<IngestProcess> {
  const [httpPort, mqttPort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, [process.argv[1]!, 'ingest', '--data-dir', dataDir, '--http-port', String(httpPort), '--mqtt-port', String(mqttPort)], { stdio: 'ignore' });
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  try {
    await until(async () => (await fetch(`${httpUrl}/api/v1/health`).catch(() => undefined))?.ok === true, 30_000);
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  return {
    httpUrl,
    mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
    async enroll(id, publicKeyHex) {
      const res = await fetch(`${httpUrl}/api/v1/gateways`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id, publicKey: publicKeyHex }) });
      if (!res.ok) throw new Error(`bench: enrolling ${id} failed with HTTP ${res.status}`);
    },
    async readingsVerified() {
      const stats = (await (await fetch(`${httpUrl}/api/v1/stats`)).json()) as { readingsVerified?: number };
      return stats.readingsVerified ?? 0;
    },
    stop: () => stopChild(child),
  };
}

export async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`bench: gave up after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A port free right now (the child binds it a moment later; a bench may take that risk). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
