/**
 * TLS settings shared by the MQTT (mqtts://) and HTTP (https://) forwarders: PEM files named
 * in the configuration, read once at start, and connection errors turned into messages that
 * say which option to look at.
 */
import { readFile } from 'node:fs/promises';
import { FreshTrailError, errorMessage } from '../../common/errors.js';

export interface TlsFiles {
  /** PEM CA certificate(s) that signed the server certificate; default: the system store. */
  caFile?: string;
  /** PEM client certificate for mutual TLS (with keyFile). */
  certFile?: string;
  /** PEM private key of certFile. */
  keyFile?: string;
  /** Default true: refuse a server whose certificate does not verify. */
  rejectUnauthorized?: boolean;
  /** Name to send in SNI and to check the certificate against, when the URL host differs. */
  servername?: string;
}

/** The options node:tls takes, loaded from TlsFiles. */
export interface TlsMaterial {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized: boolean;
  servername?: string;
}

/** Reads the files; `key` names the option in errors (e.g. forward.http.tls). */
export async function loadTls(files: TlsFiles | undefined, key: string): Promise<TlsMaterial | undefined> {
  if (!files) return undefined;
  const read = async (path: string | undefined, name: string): Promise<Buffer | undefined> => {
    if (path === undefined) return undefined;
    try {
      return await readFile(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? errorMessage(err);
      throw new FreshTrailError('FT_ERR_CONFIG', `${key}.${name}: cannot read ${path} (${code})`, { cause: err });
    }
  };
  const material: TlsMaterial = {
    ca: await read(files.caFile, 'caFile'),
    cert: await read(files.certFile, 'certFile'),
    key: await read(files.keyFile, 'keyFile'),
    rejectUnauthorized: files.rejectUnauthorized ?? true,
  };
  if (files.servername !== undefined) material.servername = files.servername;
  return material;
}

/** Errors of node:tls when the server's certificate does not verify against our CAs. */
const UNTRUSTED_SERVER = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** True for a TLS failure (handshake, certificate), as opposed to a plain network one. */
export function isTlsError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? '';
  return UNTRUSTED_SERVER.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || errorMessage(err) === 'TLS not authorized';
}

/**
 * One line for logs and lastError(): what failed and which option to check. `key` is the
 * configuration key of the transport (forward.mqtt, forward.http).
 */
export function describeConnectionError(err: unknown, key: string): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  // OpenSSL messages end in a newline and name source files: keep the log line one line.
  const message = errorMessage(err).replace(/\s+/g, ' ').trim();
  const detail = code ? `${code}: ${message}` : message;
  if (code && UNTRUSTED_SERVER.has(code)) {
    return `TLS: the server certificate is not trusted (${detail}); check ${key}.tls.caFile (the CA that signed the server certificate) and that the URL host or ${key}.tls.servername matches the certificate`;
  }
  if (code && /CERTIFICATE_REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA|HANDSHAKE_FAILURE|CERTIFICATE_UNKNOWN/.test(code)) {
    return `TLS: the server refused the handshake (${detail}); if it requires a client certificate, check ${key}.tls.certFile and ${key}.tls.keyFile`;
  }
  if (isTlsError(err)) return `TLS: ${detail}; check ${key}.tls`;
  return `cannot reach the ingest (${detail}); check ${key}.url and the network`;
}
