/**
 * Installs the access policy (access.ts) as the aedes handlers. What a refused client sees,
 * with MQTT 3.1.1 (the only version aedes 1.x speaks):
 *  - CONNECT: a CONNACK with return code 4 "bad user name or password" (no, unknown, revoked or
 *    expired key), 5 "not authorized" (missing credentials, a key of another role or gateway) or
 *    2 "identifier rejected" (the client id of another login's live connection), then the
 *    broker closes the connection (MQTT-3.2.2-5).
 *  - PUBLISH on a topic it may not use: 3.1.1 has no negative PUBACK, so aedes sends nothing
 *    and closes the connection (MQTT-3.3.5-2); the message is not routed, the batch never
 *    reaches the ingest, and the gateway's client sees a disconnect.
 *  - SUBSCRIBE to a filter it may not use: a SUBACK with return code 0x80 "failure"
 *    (MQTT-3.9.3); the connection stays up.
 * Each refusal is counted by reason and logged with the user name and client id, never the
 * password.
 */
import type { Aedes, AuthenticateError, Client } from 'aedes';
import { errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/log.js';
import { MqttAccessError, sameLogin, type MqttAccessPolicy, type MqttIdentity, type MqttRefusal } from './access.js';

/** CONNACK return codes of MQTT 3.1.1 §3.2.2.3 used here. */
const IDENTIFIER_REJECTED = 2;
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

const CONNACK_CODE: Partial<Record<MqttRefusal, number>> = {
  no_credentials: NOT_AUTHORIZED,
  bad_credentials: BAD_USERNAME_OR_PASSWORD,
  revoked: BAD_USERNAME_OR_PASSWORD,
  expired: BAD_USERNAME_OR_PASSWORD,
  wrong_role: NOT_AUTHORIZED,
  wrong_gateway: NOT_AUTHORIZED,
  client_id_taken: IDENTIFIER_REJECTED,
};

export interface AccessHooks {
  policy: MqttAccessPolicy;
  logger: Logger;
  /** Called once per refusal (the metric). */
  onRefused?: (reason: MqttRefusal) => void;
}

export function installAccessControl(aedes: Aedes, hooks: AccessHooks): void {
  const { policy, logger } = hooks;
  const identities = new WeakMap<Client, MqttIdentity>();
  // aedes keeps its connected clients by id (aedes.js `this.clients`); not in its typings.
  const liveClients = (): Record<string, Client | undefined> => (aedes as unknown as { clients: Record<string, Client | undefined> }).clients;

  const refuse = (reason: MqttRefusal, client: Client | null, fields: Record<string, unknown>, message: string): void => {
    hooks.onRefused?.(reason);
    const remote = (client?.conn as { remoteAddress?: string } | undefined)?.remoteAddress;
    logger.warn({ reason, clientId: client?.id, remote, ...fields }, message);
  };

  aedes.authenticate = (client, username, password, done) => {
    policy.authenticate(username, password).then(
      (identity) => {
        // A second connection with a live client's id takes its session over (MQTT-3.1.4-2): only
        // the same login may do that, or a gateway could cut the ingest's subscriber off.
        const holder = liveClients()[client.id];
        const held = holder === undefined ? undefined : identities.get(holder);
        if (held !== undefined && !sameLogin(held, identity)) {
          throw new MqttAccessError('client_id_taken', `client id ${client.id} is in use by another login`);
        }
        identities.set(client, identity);
        done(null, true);
      },
    ).catch((err: unknown) => {
      const reason: MqttRefusal = err instanceof MqttAccessError ? err.reason : 'bad_credentials';
      refuse(reason, client, { username, err: errorMessage(err) }, 'MQTT connection refused');
      const refusal = new Error(errorMessage(err)) as AuthenticateError;
      refusal.returnCode = CONNACK_CODE[reason] ?? NOT_AUTHORIZED;
      done(refusal, false);
    });
  };

  aedes.authorizePublish = (client, packet, done) => {
    const identity = client === null ? undefined : identities.get(client);
    if (identity !== undefined && policy.mayPublish(identity, packet.topic)) {
      done(null);
      return;
    }
    refuse('publish_denied', client, { username: loginName(identity), topic: packet.topic }, 'MQTT publish refused; closing the connection');
    done(new Error(`not authorized to publish to ${packet.topic}`));
  };

  aedes.authorizeSubscribe = (client, subscription, done) => {
    const identity = identities.get(client);
    if (identity !== undefined && policy.maySubscribe(identity, subscription.topic)) {
      done(null, subscription);
      return;
    }
    refuse('subscribe_denied', client, { username: loginName(identity), topic: subscription.topic }, 'MQTT subscription refused');
    done(null, null); // SUBACK 0x80
  };

  aedes.authorizeForward = (client, packet) => {
    const identity = identities.get(client);
    return identity !== undefined && policy.mayReceive(identity, packet.topic) ? packet : null;
  };
}

function loginName(identity: MqttIdentity | undefined): string | undefined {
  if (identity === undefined) return undefined;
  return identity.kind === 'internal' ? identity.username : identity.gatewayId;
}
