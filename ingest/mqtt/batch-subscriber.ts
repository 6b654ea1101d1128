/**
 * The MQTT transport of the ingest: one mqtt.js client, the same for the embedded broker and an
 * external one, subscribed QoS 1 to every gateway's batch topic with a persistent session.
 *
 * Acknowledgement (DESIGN.md "Transport and acknowledgement"): the gateway's acknowledgement is
 * the Ack published on its ack topic after the batch is committed; a broker PUBACK is not one.
 * The gateway keeps a batch until its Ack arrives and sends it again after an ack timeout, so no
 * batch depends on the broker for delivery.
 *
 * mqtt.js handles incoming packets one at a time: it sends the PUBACK of a QoS 1 message and
 * reads the next packet only when `client.handleMessage(packet, done)` calls `done` (mqtt 5
 * build/lib/handlers/publish.js). To verify and commit several batches at once (the pipeline
 * group-commits the batches queued behind a gateway's commit), `done` is called as soon as the
 * batch is handed to the pipeline while fewer than `maxInFlight` batches are in progress;
 * beyond that, when one finishes. So fewer than `maxInFlight` batches are PUBACKed and not yet
 * committed: if the ingest dies then, their gateways re-send them. With maxInFlight 1 the
 * PUBACK follows the commit and the Ack, and the broker itself redelivers a batch the ingest
 * died on (MQTT-4.4.0-1) to the persistent session. handleMessage must never wait for the
 * PUBACK of its own Ack publish (that PUBACK is queued behind it).
 */
import { redactUrl } from '../../common/net.js';
import { connect, type IConnackPacket, type IPublishPacket, type MqttClient } from 'mqtt';
import { FreshTrailError, errorMessage, isFreshTrailError } from '../../common/errors.js';
import type { Logger } from '../../common/log.js';
import { ackTopic, BATCH_TOPIC_FILTER, gatewayFromBatchTopic, type Ack } from '../../protocol/ack.js';
import type { Submission } from '../pipeline.js';
import { claimedIdentity } from '../verify.js';

export interface BatchSink {
  submit(envelope: Uint8Array, submission: Submission): Promise<Ack>;
}

export interface BatchSubscriberOptions {
  /** The broker; credentials in it (mqtt://user:password@host) are used and never logged. */
  url: string;
  /** Without shareGroup: fixed, so the broker keeps the session (and undelivered batches) across restarts. */
  clientId: string;
  /**
   * Shared subscription group: several ingest instances split the batches between them
   * ($share/<group>/…). The session is then clean: see config.ts mqtt.shareGroup for why.
   */
  shareGroup?: string;
  sink: BatchSink;
  logger: Logger;
  /** Most batches in progress at once (see the module comment). Default 1. */
  maxInFlight?: number;
  /** How long the first connection may take before start fails. Default 10 s. */
  connectTimeoutMs?: number;
}

export interface BatchSubscriber {
  /** True while connected to the broker. */
  readonly connected: boolean;
  /**
   * Stops taking batches (those the broker sends meanwhile are not PUBACKed, so it redelivers
   * them to the next session), waits for the batch in progress and for the broker to confirm
   * every Ack, then disconnects. Safe to call twice.
   */
  close(): Promise<void>;
}

/** Longest wait for the broker to confirm outstanding Acks at close before the socket is cut. */
const CLOSE_GRACE_MS = 5_000;

export async function startBatchSubscriber(options: BatchSubscriberOptions): Promise<BatchSubscriber> {
  const { clientId, sink, logger, shareGroup } = options;
  const url = redactUrl(options.url); // for logs and errors
  const filter = batchSubscriptionFilter(shareGroup);
  const client = connect(options.url, {
    clientId,
    // Alone: a persistent session, so QoS 1 batches wait at the broker while the ingest is down.
    // In a share group: clean, so that a dead instance drops out of the group instead of having
    // its share queued at the broker until it returns; the gateways re-send what it held.
    clean: shareGroup !== undefined,
    // In a group, a broker notices an instance that vanished without closing its socket after
    // 1.5 × keepalive (MQTT 3.1.1 §3.1.2.10); until then it still routes batches to it.
    keepalive: shareGroup === undefined ? 60 : 10,
    protocolVersion: 4, // MQTT 3.1.1, what aedes 1.x speaks
    reconnectPeriod: 1_000,
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    manualConnect: true,
  });
  let closing = false;
  const maxInFlight = Math.max(1, options.maxInFlight ?? 1);
  const inProgress = new Set<Promise<void>>();

  client.handleMessage = (packet: IPublishPacket, done: (error?: Error) => void): void => {
    if (closing) {
      // An error makes mqtt.js skip the PUBACK: the broker keeps the batch for redelivery.
      done(new Error('the ingest is closing'));
      return;
    }
    // handleBatch hands the batch to the pipeline synchronously, so a gateway's batches reach it in arrival order.
    const handled = handleBatch(packet);
    const settled: Promise<void> = handled.then(
      () => void inProgress.delete(settled),
      () => void inProgress.delete(settled),
    );
    inProgress.add(settled);
    if (inProgress.size < maxInFlight) {
      done();
      return;
    }
    // The window is full: this PUBACK (and the next packet) waits for a batch to finish.
    const fail = (err: unknown): void => done(err instanceof Error ? err : new Error(String(err)));
    if (maxInFlight === 1) handled.then(() => done(), fail);
    else void Promise.race(inProgress).then(() => done(), fail);
  };

  async function handleBatch(packet: IPublishPacket): Promise<void> {
    const topic = packet.topic;
    const topicGateway = gatewayFromBatchTopic(topic);
    if (topicGateway === undefined) {
      logger.warn({ topic }, 'message on an unexpected topic ignored');
      return;
    }
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    let ack: Ack;
    try {
      ack = await sink.submit(payload, { transport: 'mqtt', topicGateway });
    } catch (err) {
      // Retryable: nothing was committed. Tell the gateway so it retries; its outbox keeps the batch.
      const code = isFreshTrailError(err) ? err.code : 'FT_ERR_INTERNAL';
      const claimed = claimedIdentity(payload, Number.MAX_SAFE_INTEGER);
      ack = { v: 1, gateway: topicGateway, seq: claimed.seq ?? 0, status: 'rejected', code, reason: errorMessage(err) };
      logger.error({ err: errorMessage(err), gateway: topicGateway }, 'batch not processed');
    }
    // Not awaited: see the module comment. mqtt.js keeps the QoS 1 Ack until the broker confirms it.
    client.publish(ackTopic(topicGateway), JSON.stringify(ack), { qos: 1 }, (err) => {
      if (err) logger.warn({ gateway: topicGateway, seq: ack.seq, err: errorMessage(err) }, 'ack not delivered to the broker');
    });
  }

  client.on('offline', () => logger.warn({ url }, 'MQTT broker unreachable; reconnecting'));
  client.on('reconnect', () => logger.debug({ url }, 'MQTT reconnecting'));
  client.on('error', (err) => logger.warn({ url, err: errorMessage(err) }, 'MQTT client error'));
  client.on('connect', (connack) => logger.info({ url, clientId, sessionPresent: connack.sessionPresent }, 'batch subscriber connected'));

  try {
    const { sessionPresent } = await firstConnect(client, url, options.connectTimeoutMs ?? 10_000);
    const subscribed = client.subscribeAsync(filter, { qos: 1 }).then((granted) => {
      if (granted.some((g) => g.qos !== 1)) {
        const hint = shareGroup === undefined ? '' : ' and that the broker supports shared subscriptions';
        throw new FreshTrailError('FT_ERR_CONFIG', `the broker at ${url} refused a QoS 1 subscription to ${filter}: allow it in the broker's ACL${hint}`);
      }
    });
    if (sessionPresent) {
      // The session holds the subscription already. Its SUBACK would queue behind the backlog of
      // batches the broker kept for us (mqtt.js handles packets in order), so don't wait for it.
      subscribed.catch((err: unknown) => logger.error({ err: errorMessage(err) }, 'subscription refused'));
    } else {
      await subscribed;
    }
  } catch (err) {
    await client.endAsync(true).catch(() => undefined);
    throw err;
  }

  let closed: Promise<void> | undefined;
  return {
    get connected() {
      return client.connected;
    },
    close: () => {
      closed ??= (async () => {
        closing = true;
        await Promise.all(inProgress);
        const graceful = client.endAsync(false);
        const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), CLOSE_GRACE_MS).unref());
        if ((await Promise.race([graceful.then(() => 'ended' as const), timer])) === 'timeout') {
          logger.warn({ url }, 'the broker did not confirm every ack in time; disconnecting anyway');
          await client.endAsync(true);
        }
      })();
      return closed;
    },
  };
}

/** The subscription of the batch topics, shared within a group when one is given. */
export function batchSubscriptionFilter(shareGroup?: string): string {
  return shareGroup === undefined ? BATCH_TOPIC_FILTER : `$share/${shareGroup}/${BATCH_TOPIC_FILTER}`;
}

function firstConnect(client: MqttClient, url: string, timeoutMs: number): Promise<{ sessionPresent: boolean }> {
  return new Promise((resolve, reject) => {
    const fail = (reason: string): void => {
      cleanup();
      reject(new FreshTrailError('FT_ERR_CONFIG', `cannot connect to the MQTT broker at ${url} (${reason}): check mqtt.url and that the broker runs`));
    };
    const onConnect = (connack: IConnackPacket): void => {
      cleanup();
      resolve({ sessionPresent: connack.sessionPresent });
    };
    const onError = (err: Error): void => fail(errorMessage(err));
    const timer = setTimeout(() => fail(`no answer within ${timeoutMs} ms`), timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      client.off('connect', onConnect);
      client.off('error', onError);
    };
    client.once('connect', onConnect);
    client.once('error', onError);
    client.connect();
  });
}
