/**
 * A minimal HTTP(S) client for the forwarder on node:http / node:https: one keep-alive agent
 * whose socket count bounds the requests in flight, TLS from TlsMaterial (custom CA, client
 * certificate), fixed extra headers, a deadline per request, and abort for shutdown.
 * (Node's fetch cannot take a CA or client certificate without importing undici's dispatcher.)
 */
import http from 'node:http';
import https from 'node:https';
import type { TlsMaterial } from './tls.js';

export interface HttpExchange {
  status: number;
  body: string;
}

export interface PendingRequest {
  /** Resolves with any HTTP answer; rejects on a network, TLS or timeout failure, or abort. */
  readonly done: Promise<HttpExchange>;
  abort(): void;
}

export interface HttpClientOptions {
  /** Base URL, e.g. https://ingest.example:8443 (a path prefix is kept). */
  baseUrl: string;
  headers?: Record<string, string>;
  tls?: TlsMaterial;
  /** Sockets per host at most. */
  maxSockets: number;
}

/** Answers are Acks or error documents of a few hundred bytes; anything longer is cut. */
const MAX_ANSWER_BYTES = 64 * 1024;

export class HttpClient {
  private readonly agent: http.Agent;
  private readonly base: URL;
  private readonly secure: boolean;

  constructor(private readonly options: HttpClientOptions) {
    this.base = new URL(options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
    this.secure = this.base.protocol === 'https:';
    this.agent = this.secure
      ? new https.Agent({ keepAlive: true, maxSockets: options.maxSockets, ...options.tls })
      : new http.Agent({ keepAlive: true, maxSockets: options.maxSockets });
  }

  /** `path` is relative to the base URL (no leading slash). */
  request(method: 'GET' | 'POST', path: string, body: Buffer | undefined, timeoutMs: number): PendingRequest {
    const url = new URL(path, this.base);
    const headers: Record<string, string | number> = { ...this.options.headers, accept: 'application/json' };
    if (body) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = body.length;
    }
    const send = this.secure ? https.request : http.request;
    const req = send(url, { method, agent: this.agent, headers });
    const done = new Promise<HttpExchange>((resolve, reject) => {
      // A deadline for the whole exchange: the ingest answers after its commit, so a silent
      // socket and a slow trickle both end here and the batch is retried.
      const timer = setTimeout(() => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })), timeoutMs);
      req.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      req.once('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size < MAX_ANSWER_BYTES) chunks.push(chunk);
          size += chunk.length;
        });
        res.once('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).subarray(0, MAX_ANSWER_BYTES).toString('utf8') });
        });
        res.once('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
        res.once('close', () => {
          // Settling twice is a no-op, so this only matters when neither 'end' nor 'error' came.
          clearTimeout(timer);
          if (!res.complete) reject(Object.assign(new Error('the connection closed before the answer ended'), { code: 'ECONNRESET' }));
        });
      });
    });
    req.end(body);
    return { done, abort: () => req.destroy(Object.assign(new Error('request aborted: the forwarder is stopping'), { code: 'ABORT_ERR' })) };
  }

  /** Closes idle keep-alive sockets; call after every request ended. */
  close(): void {
    this.agent.destroy();
  }
}
