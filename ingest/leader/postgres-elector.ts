/**
 * Leader election through a PostgreSQL session advisory lock: the instance whose connection
 * holds `pg_try_advisory_lock(namespace, job)` is the job's leader. PostgreSQL releases the lock
 * when that session ends (process killed, machine gone, connection cut), so another instance's
 * next attempt takes over; no lease table and no clock are involved.
 *
 * Each elector keeps one dedicated connection (a pooled one could be handed back with the lock
 * still held). While leading it checks every `checkIntervalMs` that the connection still works;
 * a failed check means the lock may be gone, so it steps down at once and campaigns again on a
 * new connection. A standby retries the lock every `checkIntervalMs`, so failover takes about
 * one interval after PostgreSQL notices the old session is gone (immediately for a killed
 * process, whose socket the kernel closes; after TCP keepalive for a vanished machine).
 */
import { InterruptibleSleep } from '../../common/interruptible-sleep.js';
import { createHash } from 'node:crypto';
import pg from 'pg';
import { errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/log.js';
import type { LeaderElector } from './elector.js';

/** First key of the two-key advisory locks of leader elections: "FTld". Distinct from the store's one-key (bigint) locks. */
export const LEADER_LOCK_NAMESPACE = 0x46546c64;

export interface PostgresElectorOptions {
  url: string;
  /** The job this election is for; its hash is the lock's second key. */
  name: string;
  logger: Logger;
  /** How often a standby tries the lock and a leader checks its connection, ms. Default 2000. */
  checkIntervalMs?: number;
}

/** The lock's second key: 32 bits of SHA-256 of the job name, as the signed int4 PostgreSQL expects. */
export function leaderLockKey(name: string): number {
  return createHash('sha256').update(name).digest().readInt32BE(0);
}

export class PostgresLeaderElector implements LeaderElector {
  readonly name: string;
  private leading = false;
  private stopping = false;
  private client?: pg.Client;
  private loop?: Promise<void>;
  private readonly pause = new InterruptibleSleep();
  private onChange: (leader: boolean) => Promise<void> | void = () => undefined;
  private readonly checkIntervalMs: number;
  private readonly key: number;

  constructor(private readonly options: PostgresElectorOptions) {
    this.name = options.name;
    this.checkIntervalMs = options.checkIntervalMs ?? 2_000;
    this.key = leaderLockKey(options.name);
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(onChange: (leader: boolean) => Promise<void> | void): void {
    this.onChange = onChange;
    this.loop ??= this.campaign();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.pause.wake();
    await this.loop;
  }

  private async campaign(): Promise<void> {
    while (!this.stopping) {
      try {
        if (!this.client) this.client = await this.connect();
        if (this.leading) {
          await this.client.query('SELECT 1');
        } else if (await this.tryLock(this.client)) {
          await this.become(true);
        }
      } catch (err) {
        this.options.logger.warn({ job: this.name, err: errorMessage(err) }, this.leading ? 'lost the leader connection; stepping down' : 'leader election: database unreachable; retrying');
        await this.become(false);
        this.dropClient();
      }
      await this.sleep(this.checkIntervalMs);
    }
    await this.become(false);
    if (this.client) {
      // Unlocking first lets a standby take over at its next try rather than after a timeout.
      await this.client.query('SELECT pg_advisory_unlock($1, $2)', [LEADER_LOCK_NAMESPACE, this.key]).catch(() => undefined);
      await this.client.end().catch(() => undefined);
      this.client = undefined;
    }
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.options.url,
      application_name: `freshtrail-leader-${this.name}`,
      connectionTimeoutMillis: 10_000,
      // A connection that died silently must fail the check, not hang it (the kernel would take
      // ~15 min), so the leader steps down and stop() returns; keepalive lets the server notice too.
      query_timeout: Math.max(5_000, 3 * this.checkIntervalMs),
      keepAlive: true,
    });
    // A broken connection is reported here (and fails the next query); without a listener it would crash the process.
    client.on('error', () => undefined);
    await client.connect();
    return client;
  }

  private async tryLock(client: pg.Client): Promise<boolean> {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS locked', [LEADER_LOCK_NAMESPACE, this.key]);
    return rows[0]?.locked === true;
  }

  private async become(leader: boolean): Promise<void> {
    if (this.leading === leader) return;
    this.leading = leader;
    this.options.logger.info({ job: this.name }, leader ? 'this instance now leads the job' : 'this instance no longer leads the job');
    try {
      await this.onChange(leader);
    } catch (err) {
      this.options.logger.error({ job: this.name, err: errorMessage(err) }, 'leadership change handler failed');
    }
  }

  private dropClient(): void {
    const client = this.client;
    this.client = undefined;
    client?.end().catch(() => undefined);
  }

  private sleep(ms: number): Promise<void> {
    return this.stopping ? Promise.resolve() : this.pause.sleep(ms);
  }
}
