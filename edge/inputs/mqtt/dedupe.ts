/**
 * Drops repeated identical messages from one device: Zigbee2MQTT republishes the same state
 * several times within a second for some devices (Koenkk/zigbee2mqtt#21808), which would
 * otherwise become duplicate readings. A payload counts as a repeat when the same topic carried
 * the same bytes within `windowMs` of the last accepted copy. Memory is one entry per topic.
 * It runs before decoding for every format, so a repeat never touches a format's device state
 * (Shelly), and a broker redelivery of a message just handled (a PUBACK lost with the
 * connection) is dropped here too. Across a crash this memory is gone: the agent's own key
 * check (ReadingMeta) covers that case.
 */

interface Seen {
  payload: Buffer;
  at: number;
}

export class Deduplicator {
  private readonly last = new Map<string, Seen>();
  private lastSweep = 0;

  constructor(private readonly windowMs: number) {}

  isRepeat(topic: string, payload: Buffer, now: number): boolean {
    if (this.windowMs <= 0) return false;
    const seen = this.last.get(topic);
    return seen !== undefined && now - seen.at < this.windowMs && seen.payload.equals(payload);
  }

  /** Records a message once it has been handled, so a failed attempt can be redelivered. */
  remember(topic: string, payload: Buffer, now: number): void {
    if (this.windowMs <= 0) return;
    this.last.set(topic, { payload: Buffer.from(payload), at: now });
    if (now - this.lastSweep >= this.windowMs) {
      this.lastSweep = now;
      for (const [key, seen] of this.last) if (now - seen.at >= this.windowMs) this.last.delete(key);
    }
  }
}
