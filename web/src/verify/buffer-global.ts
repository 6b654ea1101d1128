/**
 * Installs the Node `Buffer` the protocol code uses (hex, base64, concat) as a global, from the
 * `buffer` package. verify/index.ts imports this before protocol/, whose modules build Buffers
 * at load (ES modules evaluate in import order), so only the verifier chunk carries it.
 */
import { Buffer } from 'buffer';

const scope = globalThis as { Buffer?: unknown };
scope.Buffer ??= Buffer;
