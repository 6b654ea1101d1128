/**
 * Test support: a real VictoriaMetrics (Debian package victoria-metrics) on a free port with a
 * temporary storage directory, started and stopped by the test, and reading points back
 * through its export API.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export const VICTORIA_METRICS_BIN = '/usr/bin/victoria-metrics';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** One exported series: {measurement}_{field} with its tags, samples in time order. */
export interface ExportedSeries {
  metric: Record<string, string>;
  values: number[];
  timestamps: number[];
}

export class VictoriaMetrics {
  private child: ChildProcess | undefined;

  constructor(readonly storageDir: string, readonly port: number) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts the server and waits until /health answers. */
  async start(): Promise<void> {
    this.child = spawn(
      VICTORIA_METRICS_BIN,
      [
        `-storageDataPath=${this.storageDir}`,
        `-httpListenAddr=127.0.0.1:${this.port}`,
        // Test readings may be older than the default retention (1 month).
        '-retentionPeriod=100y',
        // One sample per series and millisecond: a point written twice is stored once, as InfluxDB does.
        '-dedup.minScrapeInterval=1ms',
        '-loggerLevel=ERROR',
      ],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      try {
        if ((await fetch(`${this.url}/health`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('victoria-metrics did not become healthy within 15 s');
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    this.child = undefined;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  /** Every sample of the series matching `selector`, after making recent writes searchable. */
  async export(selector: string): Promise<ExportedSeries[]> {
    await fetch(`${this.url}/internal/force_flush`);
    const res = await fetch(`${this.url}/api/v1/export?${new URLSearchParams({ 'match[]': selector})}`);
    if (!res.ok) throw new Error(`export failed: ${res.status} ${await res.text()}`);
    const text = await res.text();
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as ExportedSeries);
  }
}
