/**
 * TLS material of the ingest's listeners (HTTPS: http.tls, MQTTS: mqtt.embedded.tls), read once
 * at start from PEM files. Every problem an operator can make with the files (unreadable, not
 * PEM, a key that is not the certificate's, mutual TLS without a CA) stops the start with
 * FT_ERR_CONFIG naming the option. docs/transport-security.md.
 */
import { readFile } from 'node:fs/promises';
import { createSecureContext, type TlsOptions } from 'node:tls';
import { FreshTrailError, errorMessage } from '../common/errors.js';

export interface ServerTlsFiles {
  /** PEM certificate chain of the server (leaf first). */
  certFile: string;
  /** PEM private key of certFile. */
  keyFile: string;
  /** PEM CA certificate(s) that sign client certificates (mutual TLS). */
  caFile?: string;
  /** Mutual TLS: only clients with a certificate signed by caFile complete the handshake. */
  requestClientCert?: boolean;
}

/**
 * The node:tls server options for `files`; `option` names the configuration key in errors
 * (http.tls, mqtt.embedded.tls).
 */
export async function loadServerTls(files: ServerTlsFiles, option: string): Promise<TlsOptions> {
  const mutual = files.requestClientCert === true;
  if (mutual && files.caFile === undefined) {
    throw new FreshTrailError('FT_ERR_CONFIG', `${option}.requestClientCert needs ${option}.caFile: the CA whose client certificates are accepted`);
  }
  const read = async (path: string, name: string): Promise<Buffer> => {
    try {
      return await readFile(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? errorMessage(err);
      throw new FreshTrailError('FT_ERR_CONFIG', `${option}.${name}: cannot read ${path} (${code})`, { cause: err });
    }
  };
  const cert = await read(files.certFile, 'certFile');
  const key = await read(files.keyFile, 'keyFile');
  const ca = files.caFile === undefined ? undefined : await read(files.caFile, 'caFile');
  // createSecureContext parses the PEM and checks that the key belongs to the certificate
  // (OpenSSL SSL_CTX_check_private_key), so a wrong file fails here and not at the first client.
  check(() => createSecureContext({ cert }), `${option}.certFile: ${files.certFile} is not a PEM certificate`);
  check(() => createSecureContext({ key }), `${option}.keyFile: ${files.keyFile} is not a PEM private key (or it is encrypted)`);
  check(() => createSecureContext({ cert, key }), `${option}: keyFile ${files.keyFile} is not the private key of certFile ${files.certFile}`);
  if (ca !== undefined) check(() => createSecureContext({ ca }), `${option}.caFile: ${files.caFile} is not a PEM CA certificate`);
  return {
    cert,
    key,
    ...(ca === undefined ? {} : { ca }),
    requestCert: mutual,
    // With requestCert, refuse the handshake of a client whose certificate does not verify
    // against `ca` (or that sends none): TLS 1.3 alert certificate_required / unknown_ca.
    rejectUnauthorized: mutual,
  };
}

function check(attempt: () => unknown, message: string): void {
  try {
    attempt();
  } catch (err) {
    throw new FreshTrailError('FT_ERR_CONFIG', `${message} (${errorMessage(err).replace(/\s+/g, ' ').trim()})`, { cause: err });
  }
}
