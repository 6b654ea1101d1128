/**
 * OIDC bearer tokens through the Authenticator, with the issuer's JWKS served by a real local
 * HTTP server (as an identity provider serves it) and read from a file: valid tokens map to
 * roles and parties; a wrong issuer, audience or key, an expired token, "alg: none", HMAC, and
 * a missing or ambiguous role are refused with jose's reason.
 */
import { createServer, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore, type SqliteStore } from '../store/sqlite.js';
import { tempDir } from '../test-helpers.js';
import { AuthenticationError, Authenticator } from './authenticator.js';
import { oidcVerifier, type OidcOptions } from './oidc.js';

const ISSUER = 'https://idp.example.org/realms/freshtrail';
const AUDIENCE = 'freshtrail-api';

describe('OIDC access tokens', () => {
  let server: Server;
  let jwksUri: string;
  let signing: CryptoKey;
  let other: CryptoKey;
  let jwk: JWK;
  let store: SqliteStore;
  const tmp = tempDir('freshtrail-oidc-');
  let jwksRequests = 0;

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    signing = pair.privateKey;
    other = (await generateKeyPair('ES256')).privateKey;
    jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    server = createServer((req, res) => {
      jwksRequests++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address() as { port: number };
    jwksUri = `http://127.0.0.1:${address.port}/certs`;
    store = openSqliteStore({ path: join(tmp.dir, 'ingest.sqlite') });
    await store.upsertParty({ id: 'farm-a', name: 'Farm A', locations: ['farm-a/'] }, Date.now());
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await store.close();
    tmp.cleanup();
  });

  const options = (over: Partial<OidcOptions> = {}): OidcOptions => ({
    issuer: ISSUER, audience: AUDIENCE, jwksUri, roleClaim: 'freshtrail_role', partyClaim: 'freshtrail_party', algorithms: ['ES256', 'RS256', 'EdDSA'], clockToleranceSeconds: 30, ...over,
  });
  const token = (claims: Record<string, unknown>, over: { key?: CryptoKey; exp?: string | number; iss?: string; aud?: string } = {}) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setSubject('user-42').setIssuer(over.iss ?? ISSUER).setAudience(over.aud ?? AUDIENCE)
      .setIssuedAt().setExpirationTime(over.exp ?? '5m').sign(over.key ?? signing);
  const authenticator = (over: Partial<OidcOptions> = {}) => new Authenticator({ store, oidc: oidcVerifier(options(over)) });
  const refusal = async (a: Authenticator, bearer: string): Promise<string> => {
    try {
      await a.authenticate(`Bearer ${bearer}`);
    } catch (err) {
      expect(err).toBeInstanceOf(AuthenticationError);
      return (err as Error).message;
    }
    throw new Error('accepted');
  };

  it('maps a valid token to its role and party, fetching the JWKS from the issuer', async () => {
    const a = authenticator();
    const regulator = await a.authenticate(`Bearer ${await token({ freshtrail_role: 'regulator' })}`);
    expect(regulator).toMatchObject({ actor: `oidc:${ISSUER}#user-42`, role: 'regulator' });
    expect(regulator.locations).toBeUndefined();
    const grower = await a.authenticate(`Bearer ${await token({ freshtrail_role: ['offline_access', 'grower'], freshtrail_party: 'farm-a' })}`);
    expect(grower).toMatchObject({ role: 'grower', party: 'farm-a', locations: ['farm-a/'] });
    expect(jwksRequests).toBeGreaterThan(0);
  });

  it('reads the JWKS from a file for an offline deployment', async () => {
    const file = join(tmp.dir, 'jwks.json');
    writeFileSync(file, JSON.stringify({ keys: [jwk] }));
    const a = authenticator({ jwksUri: undefined, jwksFile: file });
    expect((await a.authenticate(`Bearer ${await token({ freshtrail_role: 'admin' })}`)).role).toBe('admin');
  });

  it('refuses wrong issuer, audience and key, expiry, alg none, HMAC, and missing or ambiguous roles', async () => {
    const a = authenticator();
    expect(await refusal(a, await token({ freshtrail_role: 'admin' }, { iss: 'https://evil.example' }))).toMatch(/"iss" claim/);
    expect(await refusal(a, await token({ freshtrail_role: 'admin' }, { aud: 'other-api' }))).toMatch(/"aud" claim/);
    expect(await refusal(a, await token({ freshtrail_role: 'admin' }, { key: other }))).toMatch(/signature verification failed/);
    expect(await refusal(a, await token({ freshtrail_role: 'admin' }, { exp: Math.floor(Date.now() / 1000) - 120 }))).toMatch(/"exp" claim/);
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'x', iss: ISSUER, aud: AUDIENCE, exp: 9e9, freshtrail_role: 'admin' })).toString('base64url')}.`;
    expect(await refusal(a, unsigned)).toMatch(/not valid/);
    const hmac = await new SignJWT({ freshtrail_role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime('5m').sign(new TextEncoder().encode('a shared secret of 32 bytes long!'));
    expect(await refusal(a, hmac)).toMatch(/not valid/);
    expect(await refusal(a, await token({}))).toMatch(/claim "freshtrail_role" must hold exactly one of/);
    expect(await refusal(a, await token({ freshtrail_role: ['admin', 'regulator'] }))).toMatch(/exactly one/);
    expect(await refusal(a, await token({ freshtrail_role: 'grower' }))).toMatch(/acts for a party, and these credentials name none/);
    expect(await refusal(a, await token({ freshtrail_role: 'grower', freshtrail_party: 'farm-z' }))).toMatch(/party "farm-z" is not registered/);
  });

  it('needs exactly one JWKS source', () => {
    expect(() => oidcVerifier(options({ jwksUri: undefined }))).toThrow(/exactly one of jwksUri and jwksFile/);
  });
});
