/**
 * The `status` section of the edge configuration: where the agent's local status server
 * listens (GET /status, /metrics, /healthz) and when it calls the gateway unhealthy. The schema
 * is the user documentation of each option (STYLE.md §2); unknown keys are rejected.
 */
import { Type, type Static } from '@sinclair/typebox';

/**
 * Default TCP port of the status server. A fixed port keeps Prometheus' `instance` label stable
 * across restarts. Chosen to stay clear of what else tends to run on a farm or truck gateway:
 * 8080 (the FreshTrail ingest, Zigbee2MQTT's frontend), 1880 (Node-RED), 1883/8883/9001
 * (Mosquitto), 9100 (node_exporter) and 9464 (the OpenTelemetry SDKs' Prometheus exporter).
 */
export const DEFAULT_STATUS_PORT = 8071;

/** Minutes in milliseconds, for readable defaults. */
const MIN = 60_000;

export const HealthThresholdsSchema = Type.Object(
  {
    forwarderDownMs: Type.Integer({
      minimum: 0,
      default: 10 * MIN,
      description:
        'Unhealthy when the forwarder is disconnected and neither an acknowledgement nor the agent start is more recent than this (ms); 0 disables the check. Default 600000 (10 minutes).',
    }),
    maxUnackedAgeMs: Type.Integer({
      minimum: 0,
      default: 30 * MIN,
      description:
        'Unhealthy when the oldest reading not yet acknowledged by the ingest is older than this (ms): catches an ingest that is reachable but does not commit. 0 disables the check. Default 1800000 (30 minutes); raise it for trucks that are often out of coverage.',
    }),
    startupGraceMs: Type.Integer({
      minimum: 0,
      default: 2 * MIN,
      description:
        'After the agent starts, inputs that have not delivered a reading yet do not make it unhealthy for this long (ms). Default 120000 (2 minutes); keep it above the longest input poll interval.',
    }),
  },
  { additionalProperties: false, default: {}, description: 'When /healthz and `freshtrail edge status` call the gateway unhealthy.' },
);

export const StatusConfigSchema = Type.Object(
  {
    enabled: Type.Boolean({
      default: true,
      description: 'Serve the status endpoint (GET /status, /metrics, /healthz) that `freshtrail edge status` and Prometheus read. Default true.',
    }),
    host: Type.String({
      minLength: 1,
      default: '127.0.0.1',
      description:
        'Address the status server listens on. Default 127.0.0.1: the endpoints have no authentication and reveal the site layout (locations, sensors, alarms), so they stay on the gateway unless you choose otherwise; set the LAN address (or 0.0.0.0) only to let a Prometheus on a trusted network scrape /metrics, and firewall the port.',
    }),
    port: Type.Integer({
      minimum: 0,
      maximum: 65535,
      default: DEFAULT_STATUS_PORT,
      description: `TCP port of the status server; 0 picks any free port (tests). Default ${DEFAULT_STATUS_PORT}. Two agents on one machine need two ports.`,
    }),
    health: HealthThresholdsSchema,
  },
  { additionalProperties: false, default: {}, description: 'Local status server of the agent: status document, Prometheus metrics, health check.' },
);

export type StatusConfig = Static<typeof StatusConfigSchema>;
export type HealthThresholds = Static<typeof HealthThresholdsSchema>;

/**
 * The base URL a client on this machine uses to reach a server bound to `host`: wildcard
 * addresses are reached through loopback, IPv6 literals need brackets (RFC 3986 §3.2.2).
 */
export function statusBaseUrl(host: string, port: number): string {
  let urlHost = host;
  if (host === '0.0.0.0') urlHost = '127.0.0.1';
  else if (host === '::') urlHost = '[::1]';
  else if (host.includes(':') && !host.startsWith('[')) urlHost = `[${host}]`;
  return `http://${urlHost}:${port}`;
}
