/**
 * Who may do what on the embedded broker (docs/transport-security.md "Per-gateway MQTT
 * credentials"): a gateway logs in with its id as user name and its API key (role gateway,
 * party = its id) as password, and may only publish its own batches and read its own acks;
 * the ingest's own clients (batch subscriber, alert publisher) log in with a per-process
 * secret under a reserved user name and may do anything.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Principal } from '../auth/principal.js';
import { ackTopic, batchTopic } from '../../protocol/ack.js';

/** A connected client, once authenticated. */
export type MqttIdentity = { kind: 'internal'; username: string } | { kind: 'gateway'; gatewayId: string; actor: string };

/** Why a client was refused; the `reason` label of freshtrail_ingest_mqtt_auth_failures_total. */
export type MqttRefusal =
  | 'no_credentials' // no user name or no password
  | 'bad_credentials' // not an API key, or an unknown or wrong one
  | 'revoked'
  | 'expired'
  | 'wrong_role' // a valid key of another role (grower, admin, …)
  | 'wrong_gateway' // a gateway key whose party is not the user name
  | 'client_id_taken' // the client id of a connected client of someone else
  | 'publish_denied'
  | 'subscribe_denied'
  | 'tls_handshake'; // mutual TLS: no client certificate, or one our CA did not sign

export class MqttAccessError extends Error {
  constructor(readonly reason: MqttRefusal, message: string) {
    super(message);
  }
}

/** What authenticates an API key: the ingest's Authenticator (ingest/auth/authenticator.ts). */
export interface ApiKeyCheck {
  authenticate(authorization: string): Promise<Principal>;
}

/** The reserved login of the ingest's own clients, made at broker start and never written anywhere. */
export interface InternalCredentials {
  username: string;
  password: string;
}

const INTERNAL_PREFIX = 'freshtrail-ingest-';

export function newInternalCredentials(): InternalCredentials {
  return { username: `${INTERNAL_PREFIX}${randomBytes(6).toString('hex')}`, password: randomBytes(32).toString('base64url') };
}

export class MqttAccessPolicy {
  constructor(
    private readonly keys: ApiKeyCheck,
    private readonly internal: InternalCredentials,
  ) {}

  /** The identity of a CONNECT's credentials; throws MqttAccessError with the reason otherwise. */
  async authenticate(username: string | undefined, password: Buffer | undefined): Promise<MqttIdentity> {
    if (!username || !password || password.length === 0) throw new MqttAccessError('no_credentials', 'send the gateway id as user name and its API key as password');
    if (username === this.internal.username) {
      if (sameSecret(password, this.internal.password)) return { kind: 'internal', username };
      throw new MqttAccessError('bad_credentials', 'wrong password for the ingest\'s internal user');
    }
    // Nobody but the ingest itself logs in under the reserved prefix (mosquitto-style ACL by user name).
    if (username.startsWith(INTERNAL_PREFIX)) throw new MqttAccessError('bad_credentials', `user names starting with ${INTERNAL_PREFIX} are reserved`);
    let principal: Principal;
    try {
      principal = await this.keys.authenticate(`Bearer ${password.toString('utf8')}`);
    } catch (err) {
      const reason = (err as { reason?: string }).reason;
      if (reason === 'revoked' || reason === 'expired') throw new MqttAccessError(reason, (err as Error).message);
      // Only grower and distributor keys name a party that must exist: not a gateway key either way.
      if (reason === 'unknown_party') throw new MqttAccessError('wrong_role', (err as Error).message);
      throw new MqttAccessError('bad_credentials', 'the password is not a valid API key');
    }
    if (principal.role !== 'gateway') throw new MqttAccessError('wrong_role', `${principal.actor} is a ${principal.role} key; only gateway keys may connect`);
    if (principal.party !== username) throw new MqttAccessError('wrong_gateway', `${principal.actor} is the key of gateway "${principal.party ?? ''}", not of "${username}"`);
    return { kind: 'gateway', gatewayId: username, actor: principal.actor };
  }

  /** PUBLISH: a gateway only to its batch topic; the ingest anywhere but $SYS (aedes' own default, aedes #597). */
  mayPublish(identity: MqttIdentity, topic: string): boolean {
    if (topic.startsWith('$SYS/')) return false;
    return identity.kind === 'internal' || topic === batchTopic(identity.gatewayId);
  }

  /** SUBSCRIBE: a gateway only its ack topic (no wildcards); the ingest any filter, $share/… included. */
  maySubscribe(identity: MqttIdentity, filter: string): boolean {
    return identity.kind === 'internal' || filter === ackTopic(identity.gatewayId);
  }

  /**
   * Delivery to a client: checked again because a session taken over from another client id,
   * or restored, could hold subscriptions this identity was never granted.
   */
  mayReceive(identity: MqttIdentity, topic: string): boolean {
    return identity.kind === 'internal' || topic === ackTopic(identity.gatewayId);
  }
}

/** Whether two identities are the same login (a reconnect of the same gateway or ingest client). */
export function sameLogin(a: MqttIdentity, b: MqttIdentity): boolean {
  if (a.kind === 'internal') return b.kind === 'internal' && a.username === b.username;
  return b.kind === 'gateway' && a.gatewayId === b.gatewayId;
}

function sameSecret(given: Buffer, expected: string): boolean {
  const want = Buffer.from(expected, 'utf8');
  return given.length === want.length && timingSafeEqual(given, want);
}
