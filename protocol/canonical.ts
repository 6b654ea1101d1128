/**
 * Canonical JSON bytes for signing and hashing: RFC 8785 (JSON Canonicalization Scheme, JCS)
 * restricted to the values FreshTrail puts on the wire. Restricting numbers to integers and
 * decimals with at most a few fraction digits keeps the number rule trivial for third-party
 * re-implementations (docs/protocol.md §2), while the output stays byte-identical to full JCS.
 */

export type CanonicalValue =
  | null
  | boolean
  | number
  | string
  | CanonicalValue[]
  | { [key: string]: CanonicalValue | undefined };

export class CanonicalizationError extends Error {
  constructor(message: string, readonly path: string) {
    super(`${message} at ${path || '(root)'}`);
    this.name = 'CanonicalizationError';
  }
}

/** Largest integer JCS can carry exactly (IEEE 754 double, RFC 8785 §3.2.2.3). */
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/**
 * Serializes a value to its canonical JSON text. Object members are sorted by key (UTF-16 code
 * units, RFC 8785 §3.2.3); members whose value is `undefined` are omitted, so optional fields
 * simply do not appear. Non-finite numbers and numbers beyond ±2^53 are refused rather than
 * silently changed.
 */
export function canonicalJson(value: CanonicalValue): string {
  return serialize(value, '');
}

/** UTF-8 bytes of {@link canonicalJson}: what is signed and hashed. */
export function canonicalBytes(value: CanonicalValue): Buffer {
  return Buffer.from(canonicalJson(value), 'utf8');
}

function serialize(value: CanonicalValue | undefined, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return serializeNumber(value, path);
    case 'string':
      return serializeString(value, path);
    case 'object':
      if (Array.isArray(value)) {
        return `[${value.map((item, i) => serialize(item, `${path}[${i}]`)).join(',')}]`;
      }
      return serializeObject(value, path);
    default:
      throw new CanonicalizationError(`unsupported value of type ${typeof value}`, path);
  }
}

function serializeObject(obj: { [key: string]: CanonicalValue | undefined }, path: string): string {
  // Default JS sort compares UTF-16 code units, exactly what RFC 8785 §3.2.3 requires.
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  const members = keys.map((k) => `${serializeString(k, path)}:${serialize(obj[k], `${path}.${k}`)}`);
  return `{${members.join(',')}}`;
}

function serializeNumber(n: number, path: string): string {
  if (!Number.isFinite(n)) throw new CanonicalizationError('number is not finite', path);
  if (Math.abs(n) > MAX_SAFE) throw new CanonicalizationError('number exceeds ±2^53', path);
  // ECMAScript Number-to-String is the JCS number rule (RFC 8785 §3.2.2.3); for |n| < 1e21 and
  // not tiny it never uses an exponent. -0 serializes as "0".
  if (n !== 0 && Math.abs(n) < 1e-6) throw new CanonicalizationError('number too small for plain notation', path);
  return Object.is(n, -0) ? '0' : String(n);
}

function serializeString(s: string, path: string): string {
  if (!isWellFormed(s)) throw new CanonicalizationError('string holds a lone surrogate', path);
  // JSON.stringify applies exactly the JCS escaping (RFC 8785 §3.2.2.2): \" \\ \b \f \n \r \t,
  // other controls as \u00xx (lowercase hex), everything else literally.
  return JSON.stringify(s);
}

function isWellFormed(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return false;
    }
  }
  return true;
}
