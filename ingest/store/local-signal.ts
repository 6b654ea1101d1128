/**
 * Tells this process's listeners that the store committed something (a batch, an alert event),
 * so the work that follows (after-commit consumers, alert delivery, the event stream) starts at
 * once instead of at its next poll. Other instances of a deployment poll.
 */
export class LocalSignal {
  private readonly listeners = new Set<() => void>();

  on(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(): void {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch {
        // A listener only schedules work; its failure is not the writer's.
      }
    }
  }
}
