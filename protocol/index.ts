/** The wire protocol v1: the only code that knows the bytes (docs/protocol.md). */
export * from './canonical.js';
export * from './keys.js';
export * from './reading.js';
export * from './batch.js';
export * from './merkle.js';
export * from './ack.js';
