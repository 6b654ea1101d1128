/**
 * Where this ingest anchors (docs/anchoring.md), for verifiers: the dashboard's Verify action
 * reads heads(epoch) from the chain itself and offers these RPC URLs as the default node. A
 * URL that carries credentials (user:password@) is not shown: the verifier then names its own.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { RouteOptions } from '../services.js';

const TargetsReply = Type.Object({
  targets: Type.Array(Type.Object({
    name: Type.String(),
    chainId: Type.String({ description: 'Decimal' }),
    contract: Type.String(),
    rpcUrl: Type.Optional(Type.String({ description: 'The JSON-RPC URL the ingest anchors through; absent when it carries credentials' })),
  })),
});

/** The URL if it names no user or password (those are secrets a reader must not see). */
export function shareableRpcUrl(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.username === '' && u.password === '' ? url : undefined;
  } catch {
    return undefined;
  }
}

export async function anchoringTargetRoutes(app: FastifyInstance, { services }: RouteOptions): Promise<void> {
  app.get('/anchoring/targets', {
    schema: { tags: ['lots'], summary: 'The chains this ingest anchors epoch heads on (name, chain id, contract, RPC URL), for verifiers', response: { 200: TargetsReply } },
  }, async () => ({
    targets: (services.anchorTargets ?? []).map((t) => {
      const rpcUrl = shareableRpcUrl(t.rpcUrl);
      return { name: t.name, chainId: String(t.chainId), contract: t.contract, ...(rpcUrl === undefined ? {} : { rpcUrl }) };
    }),
  }));
}
