/**
 * `freshtrail gateway revoke | token | requests | approve | reject`: the operator's side of
 * gateway identity at a running ingest (DESIGN.md "Gateway identity"; routes in
 * ingest/http/routes/identity.ts). Each prints the ingest's JSON answer.
 */
import { intOption, print, UsageError } from '../args.js';
import { postJson, requestJson } from '../ingest-client.js';

export const IDENTITY_USAGE = `       freshtrail gateway revoke --id ID --reason TEXT [--effective-at ISO-8601] [--url URL]
       freshtrail gateway token [--label TEXT] [--ttl SECONDS] [--url URL]
       freshtrail gateway requests [--url URL]
       freshtrail gateway approve --id REQUEST-ID [--url URL]
       freshtrail gateway reject --id REQUEST-ID [--url URL]

revoke: batches of the gateway created at or after --effective-at (default now) are refused
  (FT_ERR_REVOKED). A thief holding the key can backdate createdAt: set --effective-at to when
  the key may have been compromised. A revoked id cannot be enrolled again.
token: a one-time join token (default lifetime 86400 s) for \`freshtrail edge join\` on the
  gateway; approve or reject the resulting request after comparing the key fingerprint.
`;

const SUBCOMMANDS = ['revoke', 'token', 'requests', 'approve', 'reject'] as const;
type IdentitySubcommand = (typeof SUBCOMMANDS)[number];

export interface IdentityOptions {
  id?: string;
  label?: string;
  reason?: string;
  'effective-at'?: string;
  ttl?: string;
}

export function isIdentitySubcommand(sub: string): sub is IdentitySubcommand {
  return (SUBCOMMANDS as readonly string[]).includes(sub);
}

export async function identityCommand(sub: IdentitySubcommand, base: string, values: IdentityOptions, usage: string): Promise<number> {
  const api = `${base}/api/v1`;
  let body: unknown;
  switch (sub) {
    case 'revoke': {
      if (!values.id || !values.reason) throw new UsageError(`--id and --reason are required\n\n${usage}`);
      const effectiveAt = values['effective-at'];
      if (effectiveAt !== undefined && !/^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:\d{2})$/.test(effectiveAt)) {
        throw new UsageError(`--effective-at must be an ISO 8601 time with a zone, e.g. 2026-03-01T06:00:00Z; got "${effectiveAt}"`);
      }
      body = await postJson(`${api}/gateways/${encodeURIComponent(values.id)}/revoke`, { reason: values.reason, ...(effectiveAt ? { effectiveAt } : {}) });
      break;
    }
    case 'token': {
      const ttlSeconds = intOption(values.ttl, 'ttl');
      body = await postJson(`${api}/join-tokens`, { ...(values.label ? { label: values.label } : {}), ...(ttlSeconds ? { ttlSeconds } : {}) });
      break;
    }
    case 'requests':
      body = await requestJson(`${api}/join-requests`, { method: 'GET' });
      break;
    case 'approve':
    case 'reject': {
      const id = intOption(values.id, 'id');
      if (!id) throw new UsageError(`--id (the join request id shown by \`freshtrail gateway requests\`) is required\n\n${usage}`);
      body = await postJson(`${api}/join-requests/${id}/${sub}`, {});
      break;
    }
  }
  print(JSON.stringify(body, null, sub === 'requests' ? 2 : undefined));
  return 0;
}
