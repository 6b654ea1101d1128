/** What the route plugins need from the service, passed as plugin options (no global state). */
import type { Authenticator } from '../auth/authenticator.js';
import type { IngestMetrics } from '../metrics.js';
import type { IngestPipeline } from '../pipeline.js';
import type { Store } from '../store/types.js';

export interface ApiServices {
  pipeline: IngestPipeline;
  store: Store;
  metrics: IngestMetrics;
  version: string;
  /** UTC ms when the service started, for uptime. */
  startedAt: number;
  /** Largest request body, bytes (config http.bodyLimitBytes). */
  bodyLimitBytes: number;
  /** Path of the shelf-life model for arrival predictions; default the built-in one. */
  shelfLifeModelPath?: string;
  /** Names of the configured after-commit consumers (their cursor names); default none. */
  consumers?: readonly string[];
  /** How often the alert event stream looks for events other instances wrote, ms; default 1000. */
  alertPollIntervalMs?: number;
  /** Whether the transports can take batches (the MQTT subscriber is connected). */
  transportsReady(): boolean;
  /** Epochs and the head key, for lot evidence bundles (docs/evidence.md); absent: anchoring disabled, no bundles. */
  evidence?: { epochMinutes: number; headPublicKey: string };
  /**
   * Authentication (ingest/http/auth-hooks.ts). Absent, or without an authenticator: every
   * request acts as an anonymous admin (auth.enabled false; tests of other concerns).
   */
  auth?: { authenticator?: Authenticator; publicMetrics: boolean; rateLimit?: { requestsPerSecond: number; burst: number; failuresPerMinute: number } };
  /** The configured anchoring targets, shown to verifiers (GET /api/v1/anchoring/targets); default none. */
  anchorTargets?: ReadonlyArray<{ name: string; chainId: number; contract: string; rpcUrl: string }>;
  /** Directory of the built dashboard (web/build.ts); default dist/web of this package. */
  dashboardDir?: string;
  /** Clock of join tokens and revocations, UTC ms; default Date.now (tests inject one). */
  now?: () => number;
}

export interface RouteOptions {
  services: ApiServices;
}
