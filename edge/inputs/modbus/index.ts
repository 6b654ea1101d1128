/**
 * The `modbus` input: polls XY-MD02-compatible temperature/humidity sensors on one RS-485 bus,
 * one request at a time, and emits a reading per sensor and round. Timeouts, bad CRCs, garbled
 * frames and exception replies are counted read errors; a dead sensor costs the round at most
 * timeoutMs × (retries + 1) and never stalls the others.
 */
import { InterruptibleSleep } from '../../../common/interruptible-sleep.js';
import { ConfigError } from '../../../common/config.js';
import { ReadingSink, type ReadErrorReason } from '../reading-sink.js';
import { SerialChannel } from '../serial-channel.js';
import type { EmitReading, Input, InputContext } from '../types.js';
import { resolveModbusConfig, type ModbusInputConfig, type ModbusSensor, type ModbusSettings } from './config.js';
import { describeException, toInt16, type ReadRequest } from './frame.js';
import { RtuMaster, type RtuResult } from './rtu.js';

export { ModbusInputSchema, type ModbusInputConfig } from './config.js';

/** How long stop() lets a request in flight finish before aborting it. */
const STOP_GRACE_MS = 300;

export function createModbusInput(config: ModbusInputConfig, ctx: InputContext): Input {
  return new ModbusInput(resolveModbusConfig(config), ctx);
}

/** The register reads one sensor needs: one request when the two registers are adjacent. */
export function sensorRequests(s: ModbusSensor): ReadRequest[] {
  const t = s.temperatureRegister;
  const h = s.humidityRegister;
  if (Math.abs(t - h) === 1) return [{ address: s.address, fn: s.fn, start: Math.min(t, h), count: 2 }];
  return [
    { address: s.address, fn: s.fn, start: t, count: 1 },
    { address: s.address, fn: s.fn, start: h, count: 1 },
  ];
}

class ModbusInput implements Input {
  readonly name: string;
  private sink?: ReadingSink;
  private channel?: SerialChannel;
  private master?: RtuMaster;
  private loop?: Promise<void>;
  private stopping = false;
  private stopped?: Promise<void>;
  private readonly pause = new InterruptibleSleep();
  private portLost = false;

  constructor(
    private readonly settings: ModbusSettings,
    private readonly ctx: InputContext,
  ) {
    this.name = settings.name;
    for (const s of settings.sensors) {
      if (s.temperatureRegister === s.humidityRegister) {
        throw new ConfigError(`inputs.${settings.name}: sensor ${s.id} reads temperature and humidity from the same register ${s.temperatureRegister}`);
      }
    }
  }

  async start(emit: EmitReading): Promise<void> {
    const sink = new ReadingSink(this.name, this.ctx, emit);
    const channel = new SerialChannel(
      this.settings.serial,
      {
        onData: (chunk) => this.master?.receive(chunk),
        onLost: (reason) => {
          this.portLost = true;
          this.master?.abort();
          sink.fail('port', `serial port ${this.settings.serial.path} lost: ${reason}`);
        },
        onRestored: () => {
          this.portLost = false;
        },
      },
      this.ctx.logger,
    );
    await channel.open();
    this.sink = sink;
    this.channel = channel;
    this.master = new RtuMaster(channel, { timeoutMs: this.settings.timeoutMs, interFrameDelayMs: this.settings.interFrameDelayMs });
    this.loop = this.run();
    this.ctx.logger.info({ port: this.settings.serial.path, sensors: this.settings.sensors.length }, 'modbus input started');
  }

  stop(): Promise<void> {
    this.stopped ??= this.shutdown();
    return this.stopped;
  }

  private async shutdown(): Promise<void> {
    this.stopping = true;
    this.pause.wake();
    // A reply already on its way is worth waiting for — the device sent it, and at 9600 baud it
    // takes ~10 ms — but a silent sensor is not: abort the request after a short grace.
    const grace = setTimeout(() => this.master?.abort(), STOP_GRACE_MS);
    await this.loop;
    clearTimeout(grace);
    this.sink?.close();
    await this.channel?.close();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      const roundStart = Date.now();
      if (this.portLost) {
        // The channel reopens the port on its own; meanwhile a round would only time out.
      } else {
        for (const sensor of this.settings.sensors) {
          if (this.stopping || this.portLost) break;
          await this.pollSensor(sensor);
        }
      }
      await this.sleep(this.settings.pollIntervalMs - (Date.now() - roundStart));
    }
  }

  private async pollSensor(sensor: ModbusSensor): Promise<void> {
    const src = `modbus:${this.settings.serial.path}#${sensor.address}`;
    const values = new Map<number, number>();
    for (const req of sensorRequests(sensor)) {
      const registers = await this.readWithRetries(req, sensor, src);
      if (!registers) return;
      registers.forEach((value, i) => values.set(req.start + i, value));
    }
    const rawT = values.get(sensor.temperatureRegister)!;
    const rawH = values.get(sensor.humidityRegister)!;
    await this.sink!.offer({
      sensor: { id: sensor.id, location: sensor.location },
      temperature: (sensor.signedTemperature ? toInt16(rawT) : rawT) / sensor.scale,
      humidity: rawH / sensor.scale,
      src,
    });
  }

  /** Returns the registers, or undefined after counting each failed attempt. */
  private async readWithRetries(req: ReadRequest, sensor: ModbusSensor, src: string): Promise<number[] | undefined> {
    for (let attempt = 0; attempt <= this.settings.retries; attempt++) {
      if (this.stopping) return undefined;
      const result: RtuResult = await this.master!.read(req);
      switch (result.kind) {
        case 'registers':
          return result.registers;
        case 'aborted':
          return undefined;
        case 'exception':
          // The device answered deliberately (wrong register, busy): repeating will not help.
          this.sink!.fail('exception', `${describeException(result.code)} from address ${sensor.address}`, { sensor: sensor.id, src });
          return undefined;
        case 'port':
          this.sink!.fail('port', result.detail, { sensor: sensor.id, src });
          return undefined;
        default:
          this.sink!.fail(result.kind satisfies ReadErrorReason, `${result.detail} (attempt ${attempt + 1} of ${this.settings.retries + 1})`, { sensor: sensor.id, src });
      }
    }
    return undefined;
  }

  private sleep(ms: number): Promise<void> {
    return this.stopping ? Promise.resolve() : this.pause.sleep(ms);
  }
}
