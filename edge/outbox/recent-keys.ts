/**
 * The keys of the most recent device messages the outbox accepted, oldest first, bounded.
 * A message a broker redelivers after the agent crashed between writing a reading and
 * acknowledging its device carries the same key, so it is recognized and not stored twice.
 * The bound only needs to exceed what can be unacknowledged at a crash (a broker's in-flight
 * window, typically tens to hundreds of messages).
 */
export class RecentKeys {
  private readonly keys = new Set<string>();

  constructor(private readonly limit: number) {}

  has(key: string): boolean {
    return this.keys.has(key);
  }

  add(key: string): void {
    if (this.keys.has(key)) this.keys.delete(key); // move to the newest end
    this.keys.add(key);
    if (this.keys.size > this.limit) this.keys.delete(this.keys.values().next().value as string);
  }

  /** Oldest first: the order a Checkpoint stores them in. */
  list(): string[] {
    return [...this.keys];
  }
}
