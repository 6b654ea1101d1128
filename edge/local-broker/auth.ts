/**
 * Who may connect to, and what they may publish on, the local broker: configured accounts
 * (or anyone when none are configured), a payload size limit, and topics reserved to the agent.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** CONNACK return codes, MQTT 3.1.1 §3.2.2.3 (Table 3.1). */
export const CONNACK_BAD_USERNAME_OR_PASSWORD = 4;
export const CONNACK_NOT_AUTHORIZED = 5;

/**
 * Topics under this prefix carry what the agent itself publishes (local alarm states). Clients
 * may subscribe to them but not publish there, so a device on the LAN cannot forge or clear an
 * alarm. The agent publishes through the broker object, which bypasses this check.
 */
export const AGENT_TOPIC_PREFIX = 'freshtrail/';

export type CredentialCheck = { ok: true } | { ok: false; returnCode: number; reason: string };

/** Builds the credential check; with no users every client is accepted. */
export function credentialChecker(users: ReadonlyArray<{ username: string; password: string }>): (username?: string, password?: Buffer) => CredentialCheck {
  // Compare SHA-256 digests: equal length, so timingSafeEqual applies and the time taken does
  // not reveal how much of a password matched.
  const digests = new Map(users.map((u) => [u.username, sha256(Buffer.from(u.password, 'utf8'))]));
  return (username, password) => {
    if (digests.size === 0) return { ok: true };
    if (username === undefined || username === '') return { ok: false, returnCode: CONNACK_NOT_AUTHORIZED, reason: 'anonymous client refused (localBroker.users is set)' };
    const expected = digests.get(username);
    const given = sha256(password ?? Buffer.alloc(0));
    // Hash even for an unknown user so both paths cost the same.
    const match = timingSafeEqual(expected ?? sha256(Buffer.from('\0unknown')), given) && expected !== undefined;
    return match ? { ok: true } : { ok: false, returnCode: CONNACK_BAD_USERNAME_OR_PASSWORD, reason: `bad user name or password for ${JSON.stringify(username)}` };
  };
}

/** Why a client's PUBLISH is refused, or undefined when it is allowed. */
export function publishRefusal(topic: string, payloadBytes: number, maxPayloadBytes: number): string | undefined {
  if (payloadBytes > maxPayloadBytes) return `payload of ${payloadBytes} bytes exceeds localBroker.maxPayloadBytes (${maxPayloadBytes})`;
  if (topic.startsWith(AGENT_TOPIC_PREFIX)) return `topics under ${AGENT_TOPIC_PREFIX} are published only by the agent`;
  return undefined;
}

function sha256(data: Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}
