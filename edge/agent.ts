/**
 * The edge agent: inputs → outbox (durable) → batches sealed and signed → forwarder → ingest.
 * A reading counts as accepted once its outbox record is fdatasync'd; from then on it survives
 * kill -9 and leaves the gateway only inside a batch the ingest acknowledged.
 */
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import type { Logger } from '../common/log.js';
import { sealBatch } from '../protocol/batch.js';
import type { Reading } from '../protocol/reading.js';
import type { EdgeConfig } from './config.js';
import { createInput } from './inputs/registry.js';
import type { Input, ReadingMeta } from './inputs/types.js';
import { EdgeMetrics } from './metrics.js';
import { Outbox } from './outbox/outbox.js';
import { MqttForwarder } from './forward/mqtt-forwarder.js';
import type { Forwarder } from './forward/types.js';
import { AlarmEvaluator } from './alarms/index.js';
import { startLocalBroker, type LocalBroker } from './local-broker/index.js';
import type { ActiveAlarm } from './status-types.js';

export interface EdgeAgentOptions {
  config: EdgeConfig;
  privateKey: KeyObject;
  logger: Logger;
  now?: () => number;
}

export interface EdgeStatus {
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
  private alarms?: AlarmEvaluator;
  private forwarder?: Forwarder;
  private inputs: Input[] = [];
  private sealTimer?: NodeJS.Timeout;
  private sealing: Promise<void> = Promise.resolve();
  private accepted = 0;
  private sealedCount = 0;
  private readonly now: () => number;

  constructor(private readonly options: EdgeAgentOptions) {
    this.now = options.now ?? Date.now;
  }

  get gatewayId(): string {
    return this.options.config.gateway.id;
  }

  async start(): Promise<void> {
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
      this.localBroker = await startLocalBroker(config.localBroker, { logger: logger.child({ component: 'local-broker' }) });
    }
    this.alarms?.start();
    this.outbox = await Outbox.open({ dir: join(config.dataDir, 'outbox'), gatewayId: config.gateway.id, logger, metrics: this.metrics, now: this.now, ...config.outbox });
    this.forwarder = new MqttForwarder({
      gatewayId: config.gateway.id,
      ...config.forward.mqtt,
      ackTimeoutMs: config.forward.ackTimeoutMs,
      maxInFlight: config.forward.maxInFlight,
      retryDelayMs: config.forward.retryDelayMs,
      deadLetterDir: join(config.dataDir, 'dead-letter'),
      outbox: this.outbox,
      logger,
      metrics: this.metrics,
      now: this.now,
    });
    await this.forwarder.start();
    this.scheduleSeal(); // readings recovered unsealed from a previous run
    const ctx = { logger, metrics: this.metrics, now: this.now };
    for (const inputConfig of config.inputs) {
      const input = createInput(inputConfig, { ...ctx, logger: logger.child({ input: inputConfig.name }) });
      await input.start((reading, meta) => this.accept(reading, meta));
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
  }

  /** Local alarms currently raised. */
  activeAlarms(): ActiveAlarm[] {
    return this.alarms?.active() ?? [];
  }

  status(): EdgeStatus {
    return {
      gatewayId: this.gatewayId,
      connected: this.forwarder?.connected() ?? false,
      readingsAccepted: this.accepted,
      batchesSealed: this.sealedCount,
      pendingBatches: this.outbox?.pending().length ?? 0,
      unsealedReadings: this.outbox?.unsealedCount() ?? 0,
      chainSeq: this.outbox?.chainHead().seq ?? 0,
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
    const sealed = await this.outbox!.seal((batch) => sealBatch(batch, this.options.privateKey), this.options.config.batch.maxReadings, this.now());
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
