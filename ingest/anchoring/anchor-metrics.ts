/** Metrics of the anchoring job (anchor-job.ts); registered in `registry`, or in none when undefined. */
import { Counter, Gauge, type Registry } from 'prom-client';

export class AnchorMetrics {
  readonly epochs: Gauge<'target' | 'status'>;
  readonly rebroadcasts: Counter<'target'>;
  readonly resends: Counter<'target'>;
  readonly reorgs: Counter<'target'>;
  readonly rpcErrors: Counter<'target'>;
  readonly feeCapRefusals: Counter<'target'>;
  readonly nonceConflicts: Counter<'target'>;

  constructor(registry?: Registry) {
    const registers = registry ? [registry] : [];
    this.epochs = new Gauge({ name: 'freshtrail_anchor_epochs', help: 'Anchors per target and status (pending, sent, included, final, failed)', labelNames: ['target', 'status'] as const, registers });
    this.rebroadcasts = new Counter({ name: 'freshtrail_anchor_rebroadcasts_total', help: 'Stuck anchor transactions replaced at the same nonce with higher fees', labelNames: ['target'] as const, registers });
    this.resends = new Counter({ name: 'freshtrail_anchor_resends_total', help: 'Signed anchor transactions sent again unchanged because the node no longer knew them (dropped, reorged out, or a crash after recording)', labelNames: ['target'] as const, registers });
    this.reorgs = new Counter({ name: 'freshtrail_anchor_reorgs_total', help: 'Included anchors whose block left the chain', labelNames: ['target'] as const, registers });
    this.rpcErrors = new Counter({ name: 'freshtrail_anchor_rpc_errors_total', help: 'Anchoring rounds cut short because the chain endpoint did not answer', labelNames: ['target'] as const, registers });
    this.feeCapRefusals = new Counter({ name: 'freshtrail_anchor_fee_cap_refusals_total', help: 'Rounds in which an anchor was not sent or not replaced because the fee needed is above the cap', labelNames: ['target'] as const, registers });
    this.nonceConflicts = new Counter({ name: 'freshtrail_anchor_nonce_conflicts_total', help: 'Times another sender was found using the anchorer key (the target stops)', labelNames: ['target'] as const, registers });
  }
}
