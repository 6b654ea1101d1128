/**
 * OIDC / OAuth 2.0 bearer tokens (RFC 6750, JWT access tokens per RFC 9068), verified with
 * `jose`: signature against the issuer's JWKS (fetched from `jwksUri` and cached by jose, or
 * read once from `jwksFile` for an offline deployment), `iss`, `aud`, `exp`/`nbf` with a clock
 * tolerance, and an allow-list of algorithms (never "none", never HMAC with a public key). The
 * FreshTrail role and party come from configurable claims (docs/security.md "OIDC").
 */
import { readFileSync } from 'node:fs';
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { ROLES, type Role } from '../store/auth-types.js';

export interface OidcOptions {
  issuer: string;
  audience: string;
  jwksUri?: string;
  jwksFile?: string;
  /** Claim holding the role (a string, or an array with one FreshTrail role). */
  roleClaim: string;
  /** Claim holding the party id (growers, distributors). */
  partyClaim: string;
  algorithms: string[];
  clockToleranceSeconds: number;
}

export interface OidcClaims {
  actor: string;
  role: Role;
  party?: string;
}

export interface OidcVerifier {
  verify(token: string): Promise<OidcClaims>;
}

export function oidcVerifier(options: OidcOptions): OidcVerifier {
  if ((options.jwksUri === undefined) === (options.jwksFile === undefined)) throw new Error('auth.oidc needs exactly one of jwksUri and jwksFile');
  const keys = options.jwksUri !== undefined
    ? createRemoteJWKSet(new URL(options.jwksUri))
    : createLocalJWKSet(JSON.parse(readFileSync(options.jwksFile!, 'utf8')) as Parameters<typeof createLocalJWKSet>[0]);
  return {
    async verify(token) {
      const { payload } = await jwtVerify(token, keys, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: options.algorithms,
        clockTolerance: options.clockToleranceSeconds,
        requiredClaims: ['sub', 'exp'],
      });
      const role = roleOf(payload, options.roleClaim);
      const party = payload[options.partyClaim];
      return { actor: `oidc:${payload.iss}#${payload.sub}`, role, ...(typeof party === 'string' && party !== '' ? { party } : {}) };
    },
  };
}

function roleOf(payload: JWTPayload, claim: string): Role {
  const value = payload[claim];
  const values = Array.isArray(value) ? value : [value];
  const roles = values.filter((v): v is Role => typeof v === 'string' && (ROLES as readonly string[]).includes(v));
  if (roles.length !== 1) {
    throw new Error(`claim "${claim}" must hold exactly one of ${ROLES.join(', ')}; it holds ${JSON.stringify(value ?? null)}`);
  }
  return roles[0]!;
}
