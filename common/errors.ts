/**
 * The error catalog: every failure a user or a peer can see has a stable code, a class that
 * says what to do about it, and a message a person can act on. Codes are part of the public
 * interface (acknowledgements, API responses, metric labels): never rename one.
 */

/** retryable: try again later, nothing is wrong with the input. rejected: the input is wrong
 * and retrying the same bytes cannot succeed. fatal: the process cannot continue as configured. */
export type ErrorClass = 'retryable' | 'rejected' | 'fatal';

export const ERRORS = {
  FT_ERR_MALFORMED: { class: 'rejected', http: 400, summary: 'the message is not valid JSON or not a FreshTrail envelope' },
  FT_ERR_SCHEMA: { class: 'rejected', http: 400, summary: 'a field is missing, unknown, or out of range' },
  FT_ERR_UNSUPPORTED_VERSION: { class: 'rejected', http: 400, summary: 'the batch format version is not supported by this ingest' },
  FT_ERR_TOO_LARGE: { class: 'rejected', http: 413, summary: 'the message exceeds the size limit' },
  FT_ERR_BAD_SIGNATURE: { class: 'rejected', http: 422, summary: 'the signature does not verify with the enrolled key' },
  FT_ERR_UNKNOWN_GATEWAY: { class: 'rejected', http: 202, summary: 'the gateway is not enrolled; the batch is quarantined until it is' },
  FT_ERR_TOPIC_MISMATCH: { class: 'rejected', http: 400, summary: 'the batch names another gateway than the topic it was published on' },
  FT_ERR_CHAIN_BROKEN: { class: 'rejected', http: 409, summary: "the batch's prev hash does not match the previous batch of this gateway" },
  FT_ERR_FORK: { class: 'rejected', http: 409, summary: 'another batch with this sequence number is already stored' },
  FT_ERR_REVOKED: { class: 'rejected', http: 403, summary: "the gateway's key was revoked before this batch was created" },
  FT_ERR_JOIN_TOKEN: { class: 'rejected', http: 403, summary: 'the join token is unknown, expired or already used' },
  FT_ERR_RATE_LIMITED: { class: 'retryable', http: 429, summary: 'the gateway sends more readings than its rate limit; retry later' },
  FT_ERR_STORE: { class: 'retryable', http: 503, summary: 'the store could not commit; retry later' },
  FT_ERR_CONFIG: { class: 'fatal', http: 500, summary: 'the configuration is invalid' },
  FT_ERR_PORT_IN_USE: { class: 'fatal', http: 500, summary: 'a port is already in use' },
  FT_ERR_KEY: { class: 'fatal', http: 500, summary: 'a key file is missing, unreadable or of the wrong type' },
  FT_ERR_OUTBOX_CORRUPT: { class: 'retryable', http: 500, summary: 'the outbox held damaged bytes; they were moved aside' },
  FT_ERR_OUTBOX_FULL: { class: 'retryable', http: 507, summary: 'the edge outbox reached its disk limit; new readings are refused until the ingest acknowledges batches' },
  FT_ERR_NOT_FOUND: { class: 'rejected', http: 404, summary: 'no such resource' },
  FT_ERR_UNAUTHENTICATED: { class: 'rejected', http: 401, summary: 'no valid credentials: send Authorization: Bearer <API key or OIDC token>' },
  FT_ERR_FORBIDDEN: { class: 'rejected', http: 403, summary: 'the credentials are valid but do not allow this (role, scope or party)' },
  FT_ERR_CHAIN_UNREACHABLE: { class: 'retryable', http: 503, summary: 'the blockchain JSON-RPC endpoint does not answer (or not as an Ethereum node); retry later or check the URL' },
  FT_ERR_CHAIN_REJECTED: { class: 'rejected', http: 502, summary: 'the chain refused a transaction (insufficient funds, a contract revert, a fee or nonce problem); the message says which' },
  FT_ERR_CONFLICT: { class: 'rejected', http: 409, summary: 'the resource exists with different content' },
  FT_ERR_INTERNAL: { class: 'retryable', http: 500, summary: 'an internal error; see the server log' },
} as const satisfies Record<string, { class: ErrorClass; http: number; summary: string }>;

export type ErrorCode = keyof typeof ERRORS;

export class FreshTrailError extends Error {
  readonly code: ErrorCode;
  readonly errorClass: ErrorClass;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FreshTrailError';
    this.code = code;
    this.errorClass = ERRORS[code].class;
  }
}

export function isFreshTrailError(err: unknown): err is FreshTrailError {
  return err instanceof FreshTrailError;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
