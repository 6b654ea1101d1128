/**
 * A webhook receiver for tests and `freshtrail bench alerts`: a real HTTP server on 127.0.0.1
 * (port 0) that checks each request's FreshTrail-Signature as a receiver would, records it with
 * its arrival time, and answers with the status the test chooses.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AlertEventMessage } from '../ingest/alerts/alert-view.js';
import { SIGNATURE_HEADER, verifyWebhookSignature, type SignatureCheck } from '../ingest/alerts/webhook-signature.js';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  message: AlertEventMessage;
  signature: SignatureCheck;
  /** Arrival, performance.timeOrigin + performance.now() (ms, sub-millisecond). */
  receivedAt: number;
  /** The status this request was answered with. */
  status: number;
}

/** Decides the answer to a request: a status, optionally with headers (Retry-After). */
export type Responder = (request: { message: AlertEventMessage; count: number }) => number | { status: number; headers?: Record<string, string> };

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Requests answered 2xx, in arrival order. */
  accepted(): ReceivedWebhook[];
  /** Resolves once `predicate` holds for the received requests, or rejects after `timeoutMs`. */
  waitFor(predicate: (received: readonly ReceivedWebhook[]) => boolean, timeoutMs?: number): Promise<void>;
  respond: Responder;
  close(): Promise<void>;
}

/** `port` 0 (default) picks a free one; a fixed port lets a test bring a receiver back where it was. */
export async function startWebhookReceiver(secret: string, respond: Responder = () => 204, port = 0): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const waiters = new Set<() => void>();
  const receiver: WebhookReceiver = {
    url: '',
    received,
    accepted: () => received.filter((r) => r.status >= 200 && r.status < 300),
    respond,
    waitFor(predicate, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (!predicate(received)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`webhook receiver: condition not met within ${timeoutMs} ms (${received.length} requests received)`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const receivedAt = performance.timeOrigin + performance.now();
      const body = Buffer.concat(chunks).toString('utf8');
      const message = JSON.parse(body) as AlertEventMessage;
      const signature = verifyWebhookSignature(secret, req.headers[SIGNATURE_HEADER] as string | undefined, body, Date.now());
      const answer = receiver.respond({ message, count: received.length + 1 });
      const { status, headers } = typeof answer === 'number' ? { status: answer, headers: {} } : answer;
      received.push({ headers: req.headers, body, message, signature, receivedAt, status });
      res.writeHead(status, headers).end();
      for (const w of [...waiters]) w();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/freshtrail`;
  return receiver;
}
