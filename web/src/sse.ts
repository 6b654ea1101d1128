/**
 * Reads the alert event stream (GET /api/v1/alerts/stream, text/event-stream) with fetch: an
 * EventSource cannot send the Authorization header. Reconnects after a drop with Last-Event-ID,
 * so no event is missed (the stream replays from there; docs/alerts.md).
 */
import { authHeaders } from './api.js';

export interface AlertEvent { id: number; type: string; alert: { id: number; kind: string; severity: string; status: string; message: string; subject?: string } }

/** One parsed event block (WHATWG HTML §9.2.6): the data lines joined, comments skipped. */
export function parseEventBlock(block: string): { id?: string; data?: string } {
  let id: string | undefined;
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const cut = line.indexOf(':');
    const field = cut < 0 ? line : line.slice(0, cut);
    const value = cut < 0 ? '' : line.slice(cut + 1).replace(/^ /, '');
    if (field === 'id') id = value;
    else if (field === 'data') data.push(value);
  }
  return { ...(id === undefined ? {} : { id }), ...(data.length ? { data: data.join('\n') } : {}) };
}

/** Calls `onEvent` for each alert event until `signal` aborts; returns at once. */
export function followAlerts(onEvent: (e: AlertEvent) => void, signal: AbortSignal, onState: (live: boolean) => void = () => undefined): void {
  let lastId: string | undefined;
  const run = async (): Promise<void> => {
    while (!signal.aborted) {
      try {
        const res = await fetch('/api/v1/alerts/stream', { headers: { ...authHeaders(), accept: 'text/event-stream', ...(lastId ? { 'last-event-id': lastId } : {}) }, signal });
        if (!res.ok || !res.body) throw new Error(`stream answered ${res.status}`);
        onState(true);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value.replace(/\r\n?/g, '\n');
          let cut: number;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const event = parseEventBlock(buffer.slice(0, cut));
            buffer = buffer.slice(cut + 2);
            if (event.id !== undefined) lastId = event.id;
            if (event.data !== undefined) onEvent(JSON.parse(event.data) as AlertEvent);
          }
        }
      } catch {
        // Dropped or refused: fall through to the retry below.
      }
      onState(false);
      if (!signal.aborted) await new Promise((r) => setTimeout(r, 3000));
    }
  };
  void run();
}
