/**
 * JSON request bodies of the API (docs/security.md "Hostile input"): nesting deeper than
 * MAX_JSON_DEPTH is refused before parsing (a deep body costs stack in the parser and in the
 * schema validator, and no FreshTrail document nests beyond a dozen levels), and a member named
 * `__proto__`, or `constructor` holding `prototype`, is refused as fastify's own parser does
 * (prototype poisoning when such an object is later merged).
 */
import { FreshTrailError } from '../../common/errors.js';

/** EPCIS documents, the deepest bodies, nest about 8 levels (document → body → eventList → event → ilmd → …). */
export const MAX_JSON_DEPTH = 32;

/** The deepest nesting of arrays and objects in JSON text, strings skipped; stops counting past `limit`. */
export function jsonDepth(text: string, limit = Infinity): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max && (max = depth) > limit) return max;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return max;
}

function refusePoison(key: string, value: unknown): unknown {
  if (key === '__proto__' || (key === 'constructor' && value !== null && typeof value === 'object' && Object.prototype.hasOwnProperty.call(value, 'prototype'))) {
    throw new FreshTrailError('FT_ERR_MALFORMED', `the body has a member named "${key}", which is refused`);
  }
  return value;
}

export function parseJsonBody(text: string): unknown {
  if (jsonDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) throw new FreshTrailError('FT_ERR_MALFORMED', `the body nests deeper than ${MAX_JSON_DEPTH} levels`);
  try {
    // The reviver costs a call per member: only when a suspicious name is in the text at all.
    return /"(__proto__|constructor)"/.test(text) ? JSON.parse(text, refusePoison) : JSON.parse(text);
  } catch (err) {
    if (err instanceof FreshTrailError) throw err;
    throw new FreshTrailError('FT_ERR_MALFORMED', `the body is not valid JSON: ${(err as Error).message}`);
  }
}
