/** Test support: a client of text/event-stream responses (GET /api/v1/alerts/stream). */

export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

/** Reads a text/event-stream response and collects its events. */
export function collectServerSentEvents(response: Response): { events: SseEvent[]; done: Promise<void> } {
  const events: SseEvent[] = [];
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const done = (async () => {
    for (;;) {
      const { value, done: end } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (end) return;
      buffer += value;
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const fields = block.split('\n').filter((l) => !l.startsWith(':') && l.includes(':'));
        if (!fields.some((l) => l.startsWith('data:'))) continue;
        const get = (name: string) => fields.find((l) => l.startsWith(`${name}:`))?.slice(name.length + 1).trim();
        events.push({ id: get('id'), event: get('event'), data: get('data')! });
      }
    }
  })();
  return { events, done };
}
