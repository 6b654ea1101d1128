/**
 * The edge agent: inputs → outbox (durable) → batches sealed and signed → forwarder → ingest.
 * A reading counts as accepted once its outbox record is fdatasync'd; from then on it survives
 * kill -9 and leaves the gateway only inside a batch the ingest acknowledged.
 */
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import type { Logger } from '../common/log.js';
import type { Ed25519Signer } from '../common/signers/signer.js';
import { sealBatch } from '../protocol/batch.js';
import type { Reading } from '../protocol/reading.js';
import type { EdgeConfig } from './config.js';
import { createInput } from './inputs/registry.js';
import type { Input, ReadingMeta } from './inputs/types.js';
import { EdgeMetrics } from './metrics.js';
import { Outbox } from './outbox/outbox.js';
import { createForwarder } from './forward/config.js';
import type { Forwarder } from './forward/types.js';
import { AlarmEvaluator } from './alarms/index.js';
import type { LocalBroker } from './local-broker/index.js';
import type { ActiveAlarm, EdgeStatus } from './status-types.js';
import { InputHealth } from './input-health.js';
import { startStatusServer, type StatusServer } from './status/status-server.js';
import { packageVersion } from '../common/version.js';

interface EdgeAgentBaseOptions {
  config: EdgeConfig;
  logger: Logger;
  now?: () => number;
}

/**
 * The gateway key seals batches: a `signer` (common/signers: a file or a PKCS#11 token; the agent
 * does not close it, its owner does after stop()) or, for tests and embedding, a `privateKey`.
 */
export type EdgeAgentOptions = EdgeAgentBaseOptions & ({ signer: Ed25519Signer; privateKey?: never } | { privateKey: KeyObject; signer?: never });

/** Running totals of one agent, for logs, the demo and tests. */
export interface AgentCounters {
  gatewayId: string;
  connected: boolean;
  readingsAccepted: number;
  batchesSealed: number;
  pendingBatches: number;
  unsealedReadings: number;
  chainSeq: number;
}

export class EdgeAgent {
  readonly metrics = new EdgeMetrics();
  private outbox?: Outbox;
  private localBroker?: LocalBroker;
  private statusServer?: StatusServer;
  private alarms?: AlarmEvaluator;
  private forwarder?: Forwarder;
  private inputs: Input[] = [];
  private sealTimer?: NodeJS.Timeout;
  private sealing: Promise<void> = Promise.resolve();
  private accepted = 0;
  private sealedCount = 0;
  private readonly now: () => number;
  private readonly startedAt: number;
  private readonly inputHealth = new InputHealth();

  constructor(private readonly options: EdgeAgentOptions) {
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
  }

  get gatewayId(): string {
    return this.options.config.gateway.id;
  }

  async start(): Promise<void> {
    const { config, logger } = this.options;
    // First: a taken port fails before any device or connection is opened.
    if (config.status.enabled) {
      this.statusServer = await startStatusServer(config.status, { status: () => this.status(), registry: this.metrics.registry, logger: logger.child({ component: 'status' }) });
    }
    try {
      await this.startParts();
    } catch (err) {
      // Undo a partial start so the process exits (and systemd restarts it) instead of running half-open.
      await this.stop().catch(() => undefined);
      throw err;
    }
  }

  private async startParts(): Promise<void> {
    const { config, logger } = this.options;
    // Alarms first (their config is checked here), then the local broker, so a taken port
    // fails before anything else opens and mqtt inputs pointed at it find it up.
    if (config.alarms) {
      this.alarms = new AlarmEvaluator(config.alarms, {
        gatewayId: config.gateway.id,
        // Without the local broker, alarms still run the hook and show in the status.
        publish: (topic, payload, opts) => this.localBroker?.publish(topic, payload, opts) ?? Promise.resolve(),
        logger: logger.child({ component: 'alarms' }),
        metrics: this.metrics,
        now: this.now,
      });
    }
    if (config.localBroker?.enabled) {
      // Imported only when enabled: the broker is a sizeable module on a small gateway.
      const { startLocalBroker } = await import('./local-broker/index.js');
      this.localBroker = await startLocalBroker(config.localBroker, { logger: logger.child({ component: 'local-broker' }) });
    }
    this.alarms?.start();
    this.outbox = await Outbox.open({ dir: join(config.dataDir, 'outbox'), gatewayId: config.gateway.id, logger, metrics: this.metrics, now: this.now, ...config.outbox, onBatchesLoaded: () => this.forwarder?.notify() });
    this.forwarder = createForwarder(config.forward, {
      gatewayId: config.gateway.id,
      outbox: this.outbox,
      deadLetterDir: join(config.dataDir, 'dead-letter'),
      logger,
      metrics: this.metrics,
      now: this.now,
    });
    await this.forwarder.start();
    this.scheduleSeal(); // readings recovered unsealed from a previous run
    for (const inputConfig of config.inputs) {
      const name = inputConfig.name;
      this.inputHealth.register(inputConfig);
      const input = await createInput(inputConfig, {
        logger: logger.child({ input: name }),
        metrics: this.metrics,
        now: this.now,
        onReadError: (reason, detail) => this.inputHealth.error(name, reason, detail),
      });
      await input.start(async (reading, meta) => {
        await this.accept(reading, meta);
        this.inputHealth.reading(name, this.now());
      });
      this.inputs.push(input);
    }
    logger.info({ gateway: config.gateway.id, inputs: this.inputs.map((i) => i.name) }, 'edge agent started');
  }

  /** Stops reading sensors; what was read stays in the outbox and keeps being forwarded. */
  async stopInputs(): Promise<void> {
    const inputs = this.inputs;
    this.inputs = [];
    for (const input of inputs) await input.stop();
  }

  /** Stops inputs first, seals what they produced, then stops forwarding; nothing is lost. */
  async stop(): Promise<void> {
    await this.stopInputs();
    await this.alarms?.stop(); // waits for alarm publishes and hook runs
    if (this.sealTimer) clearTimeout(this.sealTimer);
    await this.sealAll();
    await this.forwarder?.stop();
    await this.outbox?.close();
    await this.localBroker?.close();
    await this.statusServer?.close(); // last, so `freshtrail edge status` shows the drain
  }

  /** Local alarms currently raised. */
  activeAlarms(): ActiveAlarm[] {
    return this.alarms?.active() ?? [];
  }

  counters(): AgentCounters {
    return {
      gatewayId: this.gatewayId,
      connected: this.forwarder?.connected() ?? false,
      readingsAccepted: this.accepted,
      batchesSealed: this.sealedCount,
      pendingBatches: this.outbox?.pendingCount() ?? 0,
      unsealedReadings: this.outbox?.unsealedCount() ?? 0,
      chainSeq: this.outbox?.chainHead().seq ?? 0,
    };
  }

  /** The status document (edge/status-types.ts); may be called before start() finished. */
  status(): EdgeStatus {
    const now = this.now();
    const { config } = this.options;
    return {
      gatewayId: this.gatewayId,
      version: packageVersion(),
      startedAt: this.startedAt,
      now,
      forwarder: {
        transport: this.forwarder?.transport() ?? (config.forward.mqtt ? 'mqtt' : 'http'),
        connected: this.forwarder?.connected() ?? false,
        lastAckAt: this.forwarder?.lastAckAt(),
        lastError: this.forwarder?.lastError(),
      },
      inputs: this.inputHealth.snapshot(now),
      outbox: this.outbox?.status() ?? {
        unsealedReadings: 0,
        pendingBatches: 0,
        bytes: 0,
        limitBytes: config.outbox.maxBytes,
        full: false,
        policy: config.outbox.whenFull,
        droppedReadings: 0,
        chainSeq: 0,
      },
      alarms: this.activeAlarms(),
    };
  }

  /** Waits until every sealed batch is acknowledged (or the timeout passes); for tests and shutdown. */
  async drained(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    await this.sealAll();
    while (Date.now() < deadline) {
      if ((this.outbox?.pending().length ?? 0) === 0) return true;
      await new Promise((r) => setTimeout(r, 50));
    }
    return false;
  }

  private async accept(reading: Reading, meta?: ReadingMeta): Promise<void> {
    // Before the outbox: alarms keep working when a long outage has filled it.
    this.alarms?.observe(reading);
    if ((await this.outbox!.appendReading(reading, meta)) === 'duplicate') return;
    this.accepted++;
    if (this.outbox!.unsealedCount() >= this.options.config.batch.maxReadings) this.queueSeal();
    else this.scheduleSeal();
  }

  private scheduleSeal(): void {
    if (this.sealTimer || this.outbox!.unsealedCount() === 0) return;
    this.sealTimer = setTimeout(() => {
      this.sealTimer = undefined;
      this.queueSeal();
    }, this.options.config.batch.maxAgeMs);
  }

  private queueSeal(): void {
    this.sealing = this.sealing.then(() => this.sealOnce()).catch((err: unknown) => {
      this.options.logger.error({ err: (err as Error).message }, 'cannot seal a batch; readings stay in the outbox');
    });
  }

  private async sealOnce(): Promise<void> {
    const sealed = await this.outbox!.seal((batch) => sealBatch(batch, this.options.signer ?? this.options.privateKey!), this.options.config.batch.maxReadings, this.now());
    if (sealed) {
      this.sealedCount++;
      this.metrics.batchesSealed.inc();
      this.forwarder?.notify();
    }
    this.scheduleSeal();
  }

  private async sealAll(): Promise<void> {
    let left = this.outbox?.unsealedCount() ?? 0;
    while (left > 0) {
      this.queueSeal();
      await this.sealing;
      const now = this.outbox!.unsealedCount();
      if (now >= left) break; // sealing fails (logged in queueSeal): the readings stay on disk
      left = now;
    }
    await this.sealing;
  }
}
