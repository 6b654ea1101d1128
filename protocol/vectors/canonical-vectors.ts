/**
 * Builds canonical.json: JSON input texts with their expected canonical text (docs/protocol.md
 * §2), and inputs the canonicalization must refuse. Expected outputs are written by hand; the
 * generator refuses to write a case the implementation disagrees with.
 */
import { canonicalJson, CanonicalizationError, type CanonicalValue } from '../canonical.js';

interface ValidCase {
  name: string;
  input: string;
  canonical: string;
}

const VALID: ValidCase[] = [
  { name: 'members sorted by key', input: '{"b":1,"a":2}', canonical: '{"a":2,"b":1}' },
  { name: 'whitespace removed', input: ' {\n\t"a" : [ 1 , 2 ] ,\r\n "b" : { } } ', canonical: '{"a":[1,2],"b":{}}' },
  { name: 'upper case, underscore, lower case (code unit order)', input: '{"a":1,"_":2,"B":3,"A":4}', canonical: '{"A":4,"B":3,"_":2,"a":1}' },
  { name: 'a key that is a prefix of another sorts first', input: '{"tsSource":"device","ts":1,"tempC":2}', canonical: '{"tempC":2,"ts":1,"tsSource":"device"}' },
  {
    name: 'RFC 8785 §3.2.3 sorting example',
    input: '{"\\u20ac":"Euro Sign","\\r":"Carriage Return","\\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\\ud83d\\ude00":"Emoji: Grinning Face","\\u0080":"Control","\\u00f6":"Latin Small Letter O With Diaeresis"}',
    canonical: '{"\\r":"Carriage Return","1":"One","\u0080":"Control","ö":"Latin Small Letter O With Diaeresis","€":"Euro Sign","😀":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
  },
  { name: 'UTF-16 order, not code point order: U+1F600 (D83D DE00) sorts before U+FF61', input: '{"\\uff61":1,"\\ud83d\\ude00":2}', canonical: '{"😀":2,"｡":1}' },
  { name: 'nested objects sorted, array order kept', input: '{"z":[3,1,{"y":true,"x":null}],"a":{"d":[],"c":"x"}}', canonical: '{"a":{"c":"x","d":[]},"z":[3,1,{"x":null,"y":true}]}' },
  { name: 'literals', input: '[true,false,null,"",{},[]]', canonical: '[true,false,null,"",{},[]]' },
  { name: 'empty key', input: '{"":1,"a":0}', canonical: '{"":1,"a":0}' },
  {
    name: 'numbers: shortest form, no exponent, no trailing zeros, -0 → 0',
    input: '[0,-0,-0.0,2.0,1.50,12.30,-18.75,0.01,-0.01,0.1,99.99,100,1e2,1E+2,5e-1,250e-2,120,-80,1767225600000,9007199254740991,-9007199254740991]',
    canonical: '[0,0,0,2,1.5,12.3,-18.75,0.01,-0.01,0.1,99.99,100,100,100,0.5,2.5,120,-80,1767225600000,9007199254740991,-9007199254740991]',
  },
  {
    name: 'the short escapes and \\u00XX (lower-case hex) for the other controls',
    input: '"\\u0000\\u0001\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e\\u001b\\u001f"',
    canonical: '"\\u0000\\u0001\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e\\u001b\\u001f"',
  },
  { name: 'quote and backslash escaped; "/" not', input: '"say \\"hi\\" \\\\ \\/path/"', canonical: '"say \\"hi\\" \\\\ /path/"' },
  {
    name: 'everything else literal UTF-8: DEL, é, °, €, U+2028, an emoji',
    input: '"\\u007f \\u00e9 \\u00b0C \\u20ac \\u2028 \\ud83d\\ude00 é°"',
    canonical: '"\u007f é °C € \u2028 😀 é°"',
  },
];

interface RefusedCase {
  name: string;
  input: string;
  reason: string;
}

const REFUSED: RefusedCase[] = [
  { name: '2^53 is not an exact integer', input: '9007199254740992', reason: 'number beyond ±(2^53 − 1)' },
  { name: '-2^53', input: '[-9007199254740992]', reason: 'number beyond ±(2^53 − 1)' },
  { name: '1e21 would need an exponent', input: '1e21', reason: 'number beyond ±(2^53 − 1)' },
  { name: '1e-7 would need an exponent', input: '{"x":1e-7}', reason: 'non-zero number with magnitude below 10^-6' },
  { name: 'lone high surrogate', input: '"\\ud800"', reason: 'string is not well-formed UTF-16 (no UTF-8 form)' },
  { name: 'lone low surrogate in a key', input: '{"\\udc00x":1}', reason: 'string is not well-formed UTF-16 (no UTF-8 form)' },
  { name: 'surrogates in the wrong order', input: '["\\ude00\\ud83d"]', reason: 'string is not well-formed UTF-16 (no UTF-8 form)' },
];

function refuses(value: CanonicalValue): boolean {
  try {
    canonicalJson(value);
    return false;
  } catch (err) {
    if (err instanceof CanonicalizationError) return true;
    throw err;
  }
}

export function buildCanonical(): object {
  for (const c of VALID) {
    const got = canonicalJson(JSON.parse(c.input) as CanonicalValue);
    if (got !== c.canonical) throw new Error(`canonical case "${c.name}": got ${got}, expected ${c.canonical}`);
  }
  for (const c of REFUSED) {
    if (!refuses(JSON.parse(c.input) as CanonicalValue)) throw new Error(`canonical case "${c.name}" was not refused`);
  }
  return {
    description: 'valid: input is a JSON text, canonical its RFC 8785 canonical text (UTF-8 of it is what is hashed and signed). refused: JSON texts whose parsed value has no canonical form. NaN and ±Infinity cannot occur in JSON text but are refused too.',
    valid: VALID,
    refused: REFUSED,
  };
}
