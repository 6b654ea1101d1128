/**
 * Canonical JSON bytes for signing and hashing: RFC 8785 (JSON Canonicalization Scheme, JCS)
 * restricted to the values FreshTrail puts on the wire. Restricting numbers to integers and
 * decimals with at most a few fraction digits keeps the number rule trivial for third-party
 * re-implementations (docs/protocol.md §2), while the output stays byte-identical to full JCS.
 *
 * The ingest re-serializes every reading it receives (docs/protocol.md §7.1), so this module is
 * on the hot path: one output string is appended to in a single walk, and the path of a refused
 * value (".readings[3].tempC") is only built when a value is refused.
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
  try {
    return writeValue(value);
  } catch (err) {
    if (err instanceof Refusal) throw new CanonicalizationError(err.message, err.path());
    throw err;
  }
}

/** UTF-8 bytes of {@link canonicalJson}: what is signed and hashed. */
export function canonicalBytes(value: CanonicalValue): Buffer {
  return Buffer.from(canonicalJson(value), 'utf8');
}

/**
 * A refused value on its way up the recursion: each enclosing array or object adds its step on
 * the way out, so the happy path never builds a path string.
 */
class Refusal {
  /** Path steps from the refused value outwards: a member name or an array index. */
  private readonly steps: Array<string | number> = [];

  constructor(readonly message: string) {}

  /** Records that the refused value sits under `step` of the enclosing value; returns this. */
  under(step: string | number): Refusal {
    this.steps.push(step);
    return this;
  }

  path(): string {
    let path = '';
    for (let i = this.steps.length - 1; i >= 0; i--) {
      const step = this.steps[i]!;
      path += typeof step === 'number' ? `[${step}]` : `.${step}`;
    }
    return path;
  }
}

function writeValue(value: CanonicalValue | undefined): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return writeNumber(value);
    case 'string':
      return writeString(value);
    case 'object':
      return Array.isArray(value) ? writeArray(value) : writeObject(value);
    default:
      throw new Refusal(`unsupported value of type ${typeof value}`);
  }
}

function writeArray(items: CanonicalValue[]): string {
  let out = '[';
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out += ',';
    try {
      out += writeValue(items[i]);
    } catch (err) {
      throw err instanceof Refusal ? err.under(i) : err;
    }
  }
  return `${out}]`;
}

function writeObject(obj: { [key: string]: CanonicalValue | undefined }): string {
  const keys = Object.keys(obj);
  // Parsed canonical input (what the ingest sees) already has its keys in order: check before
  // sorting. `<` and the default sort both compare UTF-16 code units, as RFC 8785 §3.2.3 requires.
  for (let i = 1; i < keys.length; i++) {
    if (!(keys[i - 1]! < keys[i]!)) {
      keys.sort();
      break;
    }
  }
  let out = '{';
  let first = true;
  for (const key of keys) {
    const member = obj[key];
    if (member === undefined) continue;
    // A bad key is reported at the object holding it, a bad value at the member.
    out += first ? writeMemberName(key) : `,${writeMemberName(key)}`;
    first = false;
    try {
      out += writeValue(member);
    } catch (err) {
      throw err instanceof Refusal ? err.under(key) : err;
    }
  }
  return `${out}}`;
}

/**
 * ECMAScript Number-to-String is the JCS number rule (RFC 8785 §3.2.2.3); for |n| < 1e21 and
 * not tiny it never uses an exponent, and -0 gives "0". The two fast paths below produce the
 * same text for the numbers every reading carries (a millisecond timestamp, values with two
 * fraction digits); the canonical tests compare them with String(n).
 */
function writeNumber(n: number): string {
  if (Number.isInteger(n)) {
    if (n > MAX_SAFE || n < -MAX_SAFE) throw new Refusal('number exceeds ±2^53');
    return n >= 1e8 ? writeLargeInteger(n) : String(n);
  }
  if (n > -1e6 && n < 1e6) {
    const hundredths = Math.round(n * 100);
    if (hundredths / 100 === n) return writeHundredths(hundredths);
  }
  if (!Number.isFinite(n)) throw new Refusal('number is not finite');
  if (n > MAX_SAFE || n < -MAX_SAFE) throw new Refusal('number exceeds ±2^53');
  if (n < 1e-6 && n > -1e-6) throw new Refusal('number too small for plain notation');
  return String(n);
}

const ZEROS = ['', '0', '00', '000', '0000', '00000', '000000', '0000000'];

/**
 * An integer from 1e8 to 2^53 − 1 (a timestamp in ms): V8 formats a number this large through
 * its general double-to-text algorithm, while two halves below 1e8 take its small-integer path.
 */
function writeLargeInteger(n: number): string {
  const low = n % 1e8;
  const low8 = String(low);
  return `${(n - low) / 1e8}${ZEROS[8 - low8.length]}${low8}`;
}

/**
 * A non-integer n with |n| < 1e6 equal to the double nearest hundredths / 100. Doubles that
 * small are less than 1e-9 apart, so no decimal with fewer digits maps to n, and the shortest
 * round-trip text String(n) is exactly the decimal hundredths / 100 without trailing zeros.
 */
function writeHundredths(hundredths: number): string {
  const abs = hundredths < 0 ? -hundredths : hundredths;
  const fraction = abs % 100; // 1–99: n is not an integer
  const digits = fraction < 10 ? `0${fraction}` : fraction % 10 === 0 ? String(fraction / 10) : String(fraction);
  return `${hundredths < 0 ? '-' : ''}${(abs - fraction) / 100}.${digits}`;
}

/**
 * `"name":` for a member name. The same few names recur in every reading, so their text is
 * kept (a bounded number of them: names come from the network).
 */
const memberNames = new Map<string, string>();
const MAX_MEMBER_NAMES = 1024;

function writeMemberName(key: string): string {
  let text = memberNames.get(key);
  if (text === undefined) {
    text = `${writeString(key)}:`;
    if (memberNames.size < MAX_MEMBER_NAMES) memberNames.set(key, text);
  }
  return text;
}

/** Characters that JSON.stringify writes as themselves: printable ASCII except " and \. */
const PLAIN_ASCII = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

function writeString(s: string): string {
  // Ids, units and most sources are plain ASCII: nothing to escape, no surrogates to check.
  if (PLAIN_ASCII.test(s)) return `"${s}"`;
  if (!isWellFormed(s)) throw new Refusal('string holds a lone surrogate');
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
