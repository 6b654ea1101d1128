/**
 * API key format (docs/security.md "API keys"): `ft_<id>_<secret>`, id 12 characters of
 * base32 (public: logged, shown in lists, audit entries), secret 43 characters of base64url
 * (32 random bytes). The store keeps SHA-256(secret) only: with 256 bits of entropy a fast hash
 * cannot be brute-forced, and verifying costs one hash per request (a password hash such as
 * scrypt would cost tens of milliseconds). Comparison is constant-time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const ID_ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789'; // no l, o, 0, 1: read aloud or typed from a screen
const KEY_PATTERN = /^ft_([a-z2-9]{12})_([A-Za-z0-9_-]{43})$/;

export interface NewKeySecret {
  id: string;
  /** The whole key, shown once. */
  key: string;
  secretHash: string;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function generateApiKey(): NewKeySecret {
  const bytes = randomBytes(12);
  const id = Array.from(bytes, (b) => ID_ALPHABET[b % ID_ALPHABET.length]).join('');
  const secret = randomBytes(32).toString('base64url');
  return { id, key: `ft_${id}_${secret}`, secretHash: hashSecret(secret) };
}

/** The id and secret of a well-formed key; undefined otherwise. */
export function parseApiKey(key: string): { id: string; secret: string } | undefined {
  const m = KEY_PATTERN.exec(key);
  return m ? { id: m[1]!, secret: m[2]! } : undefined;
}

export function secretMatches(secret: string, secretHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(secretHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
