/**
 * Watches the bytes of one MQTT connection and reports a packet whose declared size is over a
 * limit as soon as its fixed header arrives, before the packet itself is buffered. The MQTT
 * parser would otherwise hold up to 256 MB per connection in memory, too much for a gateway.
 *
 * MQTT 3.1.1 §2.2: every control packet starts with one type/flags byte, then the Remaining
 * Length (§2.2.3): 1–4 bytes, 7 value bits each, least significant group first, the high bit
 * set while more bytes follow. Then come exactly Remaining Length bytes.
 */

type State = 'type' | 'length' | 'body' | 'off';

export class PacketSizeGuard {
  private state: State = 'type';
  private length = 0;
  private lengthBytes = 0;
  private bodyLeft = 0;

  /** @param maxRemainingLength largest Remaining Length accepted, in bytes */
  constructor(private readonly maxRemainingLength: number) {}

  /**
   * Feeds the next chunk read from the connection. Returns the Remaining Length of the first
   * packet over the limit (the connection should be closed), else undefined.
   */
  feed(chunk: Uint8Array): number | undefined {
    let i = 0;
    while (i < chunk.length && this.state !== 'off') {
      switch (this.state) {
        case 'type':
          i++;
          this.state = 'length';
          this.length = 0;
          this.lengthBytes = 0;
          break;
        case 'length': {
          const byte = chunk[i++]!;
          this.length += (byte & 0x7f) * 128 ** this.lengthBytes;
          this.lengthBytes++;
          if (byte & 0x80) {
            // A fifth length byte is malformed (§2.2.3); the MQTT parser rejects it, so stop.
            if (this.lengthBytes === 4) this.state = 'off';
            break;
          }
          if (this.length > this.maxRemainingLength) {
            this.state = 'off';
            return this.length;
          }
          this.bodyLeft = this.length;
          this.state = this.length === 0 ? 'type' : 'body';
          break;
        }
        case 'body': {
          const take = Math.min(this.bodyLeft, chunk.length - i);
          i += take;
          this.bodyLeft -= take;
          if (this.bodyLeft === 0) this.state = 'type';
          break;
        }
      }
    }
    return undefined;
  }
}
