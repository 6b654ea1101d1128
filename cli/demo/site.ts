/**
 * The demo site: one farm cold room and one reefer truck, as simulated devices and the two edge
 * agents that read them. Shared by `freshtrail demo` and the end-to-end tests, so what the tests
 * prove is what a new user sees.
 */
import type { SimulatorConfig } from '../../firmware-sim/config.js';
import type { SimulatorHandle, SerialDeviceInfo, MqttDeviceInfo } from '../../firmware-sim/simulator.js';
import { EdgeConfigSchema, type EdgeConfig } from '../../edge/config.js';
import { validateConfig } from '../../common/config.js';

export const COLD_ROOM = 'farm-a/cold-room-1';
export const TRUCK = 'truck-7/compartment-1';
export const FARM_GATEWAY = 'farm-a-gw1';
/** Lots the demo stores: strawberries in the farm's cold room, romaine in the truck. */
export const DEMO_LOTS = [
  { id: 'LOT-STRAWBERRY-0412', commodity: 'strawberry', location: COLD_ROOM, label: 'farm A, field 3' },
  { id: 'LOT-ROMAINE-0977', commodity: 'lettuce-romaine', location: TRUCK, label: 'to DC east' },
] as const;
export const TRUCK_GATEWAY = 'truck-7-gw';

/**
 * FSMA 204 records of the strawberry lot at `now`: harvested at farm A's field 3, cooled and
 * packed in the farm's cold room (which assigns the lot code, so its custody starts there). The
 * romaine lot stays on the lot API: it is on the truck, and a carrier records no CTE.
 */
export function demoLotEvents(now: number): Array<Record<string, unknown>> {
  const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '+00:00');
  const day = new Date(now).toISOString().slice(0, 10);
  const farm = 'farm-a';
  const lot = DEMO_LOTS[0];
  return [
    { cte: 'harvesting', eventId: `demo-harvest-${day}`, eventTime: iso(now - 2000), subsequentRecipientLocation: COLD_ROOM, commodity: lot.commodity, quantity: 40, unitOfMeasure: 'bins', farmLocation: farm, fieldName: 'field 3', harvestDate: day, referenceDocuments: [{ type: 'harvest log', number: `HL-${day}-3` }], harvesterBusinessName: 'Farm A', harvesterPhone: '+1 555 0100' },
    { cte: 'cooling', eventId: `demo-cooling-${day}`, eventTime: iso(now - 1000), subsequentRecipientLocation: COLD_ROOM, commodity: lot.commodity, quantity: 40, unitOfMeasure: 'bins', coolingLocation: COLD_ROOM, coolingDate: day, farmLocation: farm, referenceDocuments: [{ type: 'cooling log', number: `CL-${day}` }] },
    {
      cte: 'initial_packing', eventId: `demo-packing-${day}`, eventTime: iso(now), commodity: lot.commodity, receivedDate: day, receivedQuantity: 40, receivedUnitOfMeasure: 'bins', farmLocation: farm, fieldName: 'field 3',
      harvesterBusinessName: 'Farm A', harvesterPhone: '+1 555 0100', harvestDate: day, coolingLocation: COLD_ROOM, coolingDate: day, traceabilityLotCode: lot.id, productDescription: 'Strawberries, 8 x 1 lb clamshell',
      quantity: 160, unitOfMeasure: 'cases', packingLocation: COLD_ROOM, packingDate: day, referenceDocuments: [{ type: 'production log', number: `PK-${day}` }],
    },
  ];
}

export interface SiteOptions {
  /** Broker the truck's MQTT sensors publish to (the truck gateway's local broker). */
  deviceBrokerUrl: string;
  /** 'pty' when socat is available, else 'mock' (in-process serial). */
  serialTransport: 'pty' | 'mock';
  /** Scenario minutes per real second: 10 shows a defrost and door openings within a minute. */
  timeScale?: number;
  /** How often sensors report (ms); the demo uses real-device-like seconds, tests go faster. */
  modbusPollMs?: number;
  dhtIntervalMs?: number;
  mqttIntervalMs?: number;
  seed?: number;
}

export function siteSimulatorConfig(options: SiteOptions): SimulatorConfig {
  const mqttInterval = options.mqttIntervalMs ?? 1000;
  return {
    seed: options.seed ?? 7,
    timeScale: options.timeScale ?? 10,
    mqtt: { url: options.deviceBrokerUrl },
    devices: [
      {
        type: 'xy-md02',
        id: 'cold-room-bus',
        transport: options.serialTransport,
        baudRate: 9600,
        parity: 'none',
        slaves: [
          { address: 1, scenario: { kind: 'cold-room' } },
          { address: 2, scenario: { kind: 'cold-room', setPointC: 1.5 } },
        ],
      },
      { type: 'dht-text', id: 'packing-dht22', transport: options.serialTransport, baudRate: 9600, scenario: { kind: 'cold-room' }, intervalMs: options.dhtIntervalMs ?? 2000 },
      { type: 'zigbee2mqtt', id: 'truck-front', friendlyName: 'truck-front', scenario: { kind: 'reefer-truck' }, intervalMs: mqttInterval, repeats: 1 },
      { type: 'tasmota', id: 'truck-rear', topic: 'truck-rear', scenario: { kind: 'reefer-truck', setPointC: 2.5 }, intervalMs: mqttInterval, timeWithOffset: true },
    ],
  } as SimulatorConfig;
}

/** The two agents' configurations, pointing at the endpoints the running simulator opened. */
export function siteEdgeConfigs(
  sim: SimulatorHandle,
  options: { ingestMqttUrl: string; dataDir: string; keyDir: string; modbusPollMs?: number; modbusTimeoutMs?: number; batchMaxAgeMs?: number },
): EdgeConfig[] {
  const bus = sim.device('cold-room-bus') as SerialDeviceInfo;
  const dht = sim.device('packing-dht22') as SerialDeviceInfo;
  const z2m = sim.device('truck-front') as MqttDeviceInfo;
  const binding = (d: SerialDeviceInfo): 'native' | 'mock' => (d.transport === 'mock' ? 'mock' : 'native');
  const common = (id: string) => ({
    gateway: { id, keyFile: `${options.keyDir}/${id}.key` },
    dataDir: `${options.dataDir}/${id}`,
    batch: { maxReadings: 200, maxAgeMs: options.batchMaxAgeMs ?? 2000 },
    forward: { mqtt: { url: options.ingestMqttUrl }, ackTimeoutMs: 10_000, maxInFlight: 8, retryDelayMs: 2000 },
    status: { port: 0 }, // two agents in one process: any free port each
  });
  const farm = {
    ...common(FARM_GATEWAY),
    inputs: [
      {
        type: 'modbus',
        name: 'cold-room-rs485',
        port: bus.hostPath,
        baudRate: bus.baudRate,
        parity: bus.parity,
        binding: binding(bus),
        pollIntervalMs: options.modbusPollMs ?? 1000,
        timeoutMs: options.modbusTimeoutMs ?? 500,
        sensors: [
          { id: 'xy-md02-1', address: 1, location: COLD_ROOM },
          { id: 'xy-md02-2', address: 2, location: COLD_ROOM },
        ],
      },
      { type: 'serial-lines', name: 'packing-dht22', port: dht.hostPath, baudRate: dht.baudRate, binding: binding(dht), format: 'dht', sensor: { id: 'dht22-1', location: COLD_ROOM } },
    ],
  };
  const truck = {
    ...common(TRUCK_GATEWAY),
    inputs: [
      { type: 'mqtt', name: 'truck-zigbee', url: z2m.brokerUrl, format: 'zigbee2mqtt', sensors: [{ match: 'truck-front', id: 'truck-front', location: TRUCK }] },
      { type: 'mqtt', name: 'truck-tasmota', url: z2m.brokerUrl, format: 'tasmota', sensors: [{ match: 'truck-rear', id: 'truck-rear', location: TRUCK }] },
    ],
  };
  // Validated like a user's file, so every default is filled in.
  return [farm, truck].map((config) => validateConfig(config, EdgeConfigSchema, `demo agent ${config.gateway.id}`));
}
