/**
 * Enrolled public keys as node:crypto KeyObjects, built once per key. Building one from hex
 * (wrap in SPKI DER, parse) costs about half as much as the Ed25519 verify itself, and the
 * ingest needs the same few keys for every batch. The mapping hex → key never changes, so a
 * memo is safe; it is bounded so that many gateways cannot grow it without limit.
 */
import type { KeyObject } from 'node:crypto';
import { publicKeyFromHex } from '../protocol/keys.js';

const MAX_KEYS = 10_000;
const keys = new Map<string, KeyObject>();

/** The KeyObject of a raw Ed25519 public key in hex (throws as publicKeyFromHex does). */
export function enrolledKey(publicKeyHex: string): KeyObject {
  let key = keys.get(publicKeyHex);
  if (key === undefined) {
    key = publicKeyFromHex(publicKeyHex);
    // Map iterates in insertion order: drop the oldest entry.
    if (keys.size >= MAX_KEYS) keys.delete(keys.keys().next().value as string);
    keys.set(publicKeyHex, key);
  }
  return key;
}
