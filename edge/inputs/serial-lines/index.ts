/**
 * The `serial-lines` input: reads text lines from one sensor on a serial port and emits a
 * reading per measurement line. Failure lines count as `sensor_error`, anything else that is
 * not a measurement (noise, partial lines, wrong-baud garbage) as `parse`; neither is a reading.
 * Timestamps come from the gateway clock: these devices have no trustworthy clock.
 */
import { ReadingSink } from '../reading-sink.js';
import { SerialChannel } from '../serial-channel.js';
import type { EmitReading, Input, InputContext } from '../types.js';
import { resolveSerialLinesConfig, type SerialLinesInputConfig, type SerialLinesSettings } from './config.js';
import { createDhtParser } from './formats/dht.js';
import { createPatternParser } from './formats/pattern.js';
import { createSht31Parser } from './formats/sht31.js';
import type { LineParser } from './formats/types.js';
import { LineSplitter } from './line-splitter.js';

export { SerialLinesInputSchema, type SerialLinesInputConfig } from './config.js';

export function createSerialLinesInput(config: SerialLinesInputConfig, ctx: InputContext): Input {
  const settings = resolveSerialLinesConfig(config);
  return new SerialLinesInput(settings, createLineParser(settings), ctx);
}

export function createLineParser(settings: SerialLinesSettings): LineParser {
  switch (settings.format) {
    case 'dht':
      return createDhtParser();
    case 'sht31':
      return createSht31Parser();
    case 'pattern':
      return createPatternParser({ ...settings.pattern!, inputName: settings.name });
  }
}

class SerialLinesInput implements Input {
  readonly name: string;
  private readonly src: string;
  private sink?: ReadingSink;
  private channel?: SerialChannel;
  /** Offers run one after another so readings leave in line order. */
  private queue: Promise<unknown> = Promise.resolve();
  private stopped?: Promise<void>;

  constructor(
    private readonly settings: SerialLinesSettings,
    private readonly parser: LineParser,
    private readonly ctx: InputContext,
  ) {
    this.name = settings.name;
    this.src = `serial:${settings.serial.path}`;
  }

  async start(emit: EmitReading): Promise<void> {
    const sink = new ReadingSink(this.name, this.ctx, emit);
    const splitter = new LineSplitter({
      line: (text) => this.onLine(text),
      overlong: (bytes) => sink.fail('parse', `discarded a ${bytes}-byte line without a line end (noise or wrong baud rate?)`, { src: this.src }),
    });
    const channel = new SerialChannel(
      this.settings.serial,
      {
        onData: (chunk) => splitter.push(chunk),
        onLost: (reason) => {
          splitter.reset();
          sink.fail('port', `serial port ${this.settings.serial.path} lost: ${reason}`, { src: this.src });
        },
        onRestored: () => splitter.reset(),
      },
      this.ctx.logger,
    );
    this.sink = sink;
    await channel.open();
    this.channel = channel;
    this.ctx.logger.info({ port: this.settings.serial.path, format: this.settings.format }, 'serial-lines input started');
  }

  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.sink?.close();
      await this.channel?.close();
      await this.queue;
    })();
    return this.stopped;
  }

  private onLine(text: string): void {
    const sink = this.sink!;
    if (sink.isClosed) return;
    const verdict = this.parser.parse(text);
    switch (verdict.kind) {
      case 'ignore':
        return;
      case 'sensor_error':
      case 'parse':
        sink.fail(verdict.kind, verdict.detail, { sensor: this.settings.sensor.id, src: this.src });
        return;
      case 'measurement': {
        const observation = {
          sensor: this.settings.sensor,
          temperature: verdict.temperature,
          temperatureUnit: verdict.temperatureUnit,
          humidity: verdict.humidity,
          src: this.src,
        };
        this.queue = this.queue.then(() => sink.offer(observation));
      }
    }
  }
}
