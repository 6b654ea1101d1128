/**
 * Generators of hostile input for the fuzz suite: JSON texts with the member names, numbers and
 * strings that break naive parsers (`__proto__`, `1e999` → Infinity, integers beyond 2^53, lone
 * surrogates, malformed %-escapes), and mutations of real valid messages, at the JSON level
 * (replace, delete, insert, wrap, perturb a member) and at the byte level (flip, set, insert,
 * delete, truncate). Values are kept small so 10,000 cases per target stay fast.
 */
import fc from 'fast-check';

/** Member names that break naive object handling: prototype keys, array-like keys, the empty name. */
export const TRICKY_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'length', '', '0', '-1', 'NaN'] as const;

/** Number texts JSON allows, including ones that parse to ±Infinity, -0, and integers beyond 2^53. */
const TRICKY_NUMBER_TEXTS = [
  '0', '-0', '1', '-1', '0.1', '0.125', '2.5', '99.999', '100.001', '1e999', '-1e999', '1e308', '-1.7976931348623157e308', '5e-324', '1e-7',
  '9007199254740993', '-9007199254740992', '1e21', '123456789012345678901234567890', '327.67', '-127', '65535', '32767', '-80', '120', '255', '1700000000000',
] as const;

/** Strings that look like numbers, times or escapes, or that have no UTF-8 form. */
export const TRICKY_STRINGS = [
  '', ' ', 'NaN', 'Infinity', '-Infinity', '1e999', '-0', '0x10', ' 12.5 ', '12,5', '1e3', '%', '%zz', '%E0%A4%A', '\ud800', '\udc00x', '\u0000', '\ufeff', '\u2028',
  'null', 'true', '[]', '{}', '2025-02-30T10:00:00Z', '2025-06-01T14:00:00-07:00', '9999-12-31T23:59:59+14:00', '0000-01-01T00:00:00-14:00', '2025-06-01T25:61:00Z',
  'urn:epc:class:lgtin:0614141.107346.%', 'urn:epc:class:lgtin:0614141.107346.LOT%E0%A4%A', 'https://id.gs1.org/01/10614141073464/10/%ZZ', 'x'.repeat(300),
] as const;

const numberText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...TRICKY_NUMBER_TEXTS),
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
);

/** A JSON string literal (JSON.stringify escapes a lone surrogate as \udxxx, which JSON.parse restores). */
const stringText: fc.Arbitrary<string> = fc
  .oneof(fc.constantFrom(...TRICKY_STRINGS), fc.string({ maxLength: 10 }), fc.string({ unit: 'binary', maxLength: 6 }))
  .map((s) => JSON.stringify(s));

export interface JsonTextOptions {
  /** Member names of the format under test, so generated objects sometimes hit its fields. */
  keys?: readonly string[];
  /** Extra scalar texts (JSON) to mix in: enum values of the format under test. */
  scalars?: readonly string[];
  maxDepth?: number;
}

/**
 * Arbitrary JSON text. Objects are written member by member, so a member may be `__proto__`
 * (JSON.parse makes it an own property, as for any network message) or repeat a name.
 */
/**
 * A member name: often one of the format's own, regularly `__proto__` (the name that turns a
 * naive merge into a write to Object.prototype), else a tricky or random one.
 */
export function memberName(keys: readonly string[] = []): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.constant('__proto__'), weight: 1 },
    { arbitrary: fc.constantFrom(...TRICKY_KEYS), weight: 1 },
    { arbitrary: keys.length > 0 ? fc.constantFrom(...keys) : fc.constantFrom(...TRICKY_KEYS), weight: 4 },
    { arbitrary: fc.string({ maxLength: 6 }), weight: 1 },
  );
}

export function jsonText(options: JsonTextOptions = {}): fc.Arbitrary<string> {
  const key = memberName(options.keys);
  const scalar = options.scalars?.length ? fc.oneof(numberText, stringText, fc.constantFrom(...options.scalars)) : fc.oneof(numberText, stringText);
  const { text } = fc.letrec<{ text: string }>((tie) => ({
    text: fc.oneof(
      { depthSize: 'small', maxDepth: options.maxDepth ?? 4 },
      fc.constantFrom('null', 'true', 'false'),
      scalar,
      fc.array(tie('text'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
      fc.array(fc.tuple(key, tie('text')), { maxLength: 5 }).map((members) => `{${members.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
    ),
  }));
  return text;
}

/** Arbitrary parsed JSON (what JSON.parse gives a parser): Infinity included, via 1e999. */
export function jsonValue(options: JsonTextOptions = {}): fc.Arbitrary<unknown> {
  return jsonText(options).map((text): unknown => JSON.parse(text));
}

// ---- JSON-level mutations of a valid document ----

type JsonOp = 'replace' | 'delete' | 'insert' | 'wrap' | 'perturb' | 'duplicate';

export interface JsonMutation {
  /** Which slot (member or element, in document order; root included): taken modulo the count. */
  at: number;
  op: JsonOp;
  /** Member name for `insert` into an object. */
  key: string;
  /** Value for `replace` and `insert`. */
  value: unknown;
  /** Selects the perturbation of a number or string. */
  choice: number;
}

/** One to `max` mutations; `keys` are the format's own member names (an inserted duplicate field). */
export function jsonMutations(options: JsonTextOptions & { max?: number } = {}): fc.Arbitrary<JsonMutation[]> {
  const mutation = fc.record({
    at: fc.nat(),
    op: fc.constantFrom<JsonOp>('replace', 'delete', 'insert', 'wrap', 'perturb', 'perturb', 'duplicate'),
    key: memberName(options.keys),
    value: jsonValue({ ...options, maxDepth: 2 }),
    choice: fc.nat(),
  });
  return fc.array(mutation, { minLength: 1, maxLength: options.max ?? 3 });
}

interface Slot {
  parent: Record<string, unknown> | unknown[] | undefined;
  key: string | number;
}

/** Defines an own property, so `__proto__` becomes a member as JSON.parse would make it, not a prototype. */
function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

/** Members and elements in document order, the root first (slot 0): counted without building a list. */
function countSlots(node: unknown): number {
  let n = 1;
  if (Array.isArray(node)) for (const child of node) n += countSlots(child);
  else if (typeof node === 'object' && node !== null) for (const key in node) if (Object.hasOwn(node, key)) n += countSlots((node as Record<string, unknown>)[key]);
  return n;
}

/** The slot at `index` in the order countSlots counts (index 0: the root). */
function slotAt(root: unknown, index: number): Slot {
  let remaining = index;
  let found: Slot | undefined;
  const walk = (node: unknown): void => {
    const visit = (parent: Record<string, unknown> | unknown[], key: string | number, child: unknown): boolean => {
      remaining -= 1;
      if (remaining === 0) {
        found = { parent, key };
        return true;
      }
      walk(child);
      return found !== undefined;
    };
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) if (visit(node, i, node[i])) return;
    } else if (typeof node === 'object' && node !== null) {
      for (const key in node) if (Object.hasOwn(node, key) && visit(node as Record<string, unknown>, key, (node as Record<string, unknown>)[key])) return;
    }
  };
  if (remaining === 0) return { parent: undefined, key: 0 };
  walk(root);
  return found!;
}

function perturb(v: unknown, choice: number): unknown {
  if (typeof v === 'number') {
    const options = [v + 1, v - 1, -v, v * 10, v / 10, v + 0.001, v + 0.01, v * 1e300, Math.trunc(v), String(v), null];
    return options[choice % options.length];
  }
  if (typeof v === 'string') {
    const at = v.length === 0 ? 0 : choice % v.length;
    const options = [
      `${v}x`, v.slice(1), v.slice(0, -1), v.toUpperCase(), '', `${v}\ud800`, `${v.slice(0, at)}${String.fromCharCode((v.charCodeAt(at) || 0x41) ^ 1)}${v.slice(at + 1)}`,
      v.replace(/\d/, '9'), v.replace(/\d/g, '0'), `${v}%`, Number(v), [v],
    ];
    return options[choice % options.length];
  }
  if (typeof v === 'boolean') return choice % 2 === 0 ? !v : String(v);
  if (v === null) return choice % 2 === 0 ? 0 : {};
  return choice % 2 === 0 ? null : Array.isArray(v) ? {} : [];
}

/** Applies mutations to a deep copy of `doc`, one after another. */
export function applyJsonMutations(doc: unknown, mutations: readonly JsonMutation[]): unknown {
  let root: unknown = structuredClone(doc);
  for (const m of mutations) {
    const { parent, key } = slotAt(root, m.at % countSlots(root));
    const current: unknown = parent === undefined ? root : (parent as Record<string | number, unknown>)[key];
    const set = (value: unknown): void => {
      if (parent === undefined) root = value;
      else if (Array.isArray(parent)) parent[key as number] = value;
      else setOwn(parent, key as string, value);
    };
    switch (m.op) {
      case 'replace':
        set(structuredClone(m.value));
        break;
      case 'delete':
        if (parent === undefined) root = undefined;
        else if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete parent[key as string];
        break;
      case 'insert': {
        // Into the slot's value when it is a container, else next to it.
        const target = typeof current === 'object' && current !== null ? current : parent;
        if (Array.isArray(target)) target.splice(m.choice % (target.length + 1), 0, structuredClone(m.value));
        else if (typeof target === 'object' && target !== null) setOwn(target as Record<string, unknown>, m.key, structuredClone(m.value));
        else root = [root, structuredClone(m.value)];
        break;
      }
      case 'wrap':
        set(m.choice % 2 === 0 ? [current] : { value: current });
        break;
      case 'perturb':
        set(perturb(current, m.choice));
        break;
      case 'duplicate':
        if (Array.isArray(parent)) parent.splice(key as number, 0, structuredClone(current));
        else if (Array.isArray(current)) current.push(structuredClone(current[m.choice % Math.max(1, current.length)]));
        else set(structuredClone(current));
        break;
    }
  }
  return root;
}

// ---- Byte-level mutations ----

type ByteOp = 'flip' | 'set' | 'insert' | 'delete' | 'truncate' | 'duplicate';

export interface ByteMutation {
  at: number;
  op: ByteOp;
  byte: number;
  bit: number;
  length: number;
}

export function byteMutations(max = 4): fc.Arbitrary<ByteMutation[]> {
  const mutation = fc.record({
    at: fc.nat(),
    op: fc.constantFrom<ByteOp>('flip', 'flip', 'set', 'insert', 'delete', 'truncate', 'duplicate'),
    byte: fc.integer({ min: 0, max: 255 }),
    bit: fc.integer({ min: 0, max: 7 }),
    length: fc.integer({ min: 1, max: 16 }),
  });
  return fc.array(mutation, { minLength: 1, maxLength: max });
}

/** Applies byte mutations to a copy of `bytes`. */
export function applyByteMutations(bytes: Uint8Array, mutations: readonly ByteMutation[]): Buffer {
  let out = Buffer.from(bytes);
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : m.at % out.length;
    switch (m.op) {
      case 'flip':
        if (out.length > 0) out[at] = out[at]! ^ (1 << m.bit);
        break;
      case 'set':
        if (out.length > 0) out[at] = m.byte;
        break;
      case 'insert':
        out = Buffer.concat([out.subarray(0, at), Buffer.alloc(m.length, m.byte), out.subarray(at)]);
        break;
      case 'delete':
        out = Buffer.concat([out.subarray(0, at), out.subarray(at + m.length)]);
        break;
      case 'truncate':
        out = out.subarray(0, at);
        break;
      case 'duplicate':
        out = Buffer.concat([out.subarray(0, at + m.length), out.subarray(at)]);
        break;
    }
  }
  return out;
}
