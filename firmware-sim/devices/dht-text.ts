/**
 * An Arduino running Adafruit's DHTtester sketch with a DHT22: one text line per interval on
 * its USB serial port (https://github.com/adafruit/DHT-sensor-library, examples/DHTtester):
 *   new: `Humidity: 45.00%  Temperature: 23.00°C 73.40°F  Heat index: 22.88°C 73.18°F`
 *   old: `Humidity: 45.00 %\tTemperature: 23.00 *C 73.40 *F\tHeat index: 22.88 *C 73.18 *F`
 * Serial.println ends lines with CRLF; Serial.print(float) prints two decimals; the sketch's
 * "°" is UTF-8 (the Arduino IDE saves sources as UTF-8). A failed read prints
 * `Failed to read from DHT sensor!` instead of the values.
 */
import type { Climate } from '../scenarios.js';
import type { DeviceContext, SimulatedDevice } from '../device.js';
import type { SerialEndpoint } from '../endpoint.js';

export type DhtLineStyle = 'new' | 'old';

export const DHT_FAILURE_LINE = 'Failed to read from DHT sensor!';
export const DHT_BANNER = 'DHTxx test!';

export interface DhtTextOptions {
  endpoint: SerialEndpoint;
  climate(scenarioMs: number): Climate;
  context: DeviceContext;
  style?: DhtLineStyle;
  /** Time between lines, real ms. DHTtester waits 2000 ms. */
  intervalMs?: number;
  /** Every Nth line is the failure line instead of a reading (0 or absent: never). */
  failEvery?: number;
  /** Print the sketch's `DHTxx test!` banner when the device starts talking. */
  banner?: boolean;
}

/** Adafruit DHT::computeHeatIndex (Rothfusz regression with Steadman's simple formula), °F in and out. */
export function heatIndexF(tempF: number, rh: number): number {
  let hi = 0.5 * (tempF + 61.0 + (tempF - 68.0) * 1.2 + rh * 0.094);
  if (hi > 79) {
    hi =
      -42.379 +
      2.04901523 * tempF +
      10.14333127 * rh +
      -0.22475541 * tempF * rh +
      -0.00683783 * tempF ** 2 +
      -0.05481717 * rh ** 2 +
      0.00122874 * tempF ** 2 * rh +
      0.00085282 * tempF * rh ** 2 +
      -0.00000199 * tempF ** 2 * rh ** 2;
    if (rh < 13 && tempF >= 80 && tempF <= 112) hi -= ((13 - rh) * 0.25) * Math.sqrt((17 - Math.abs(tempF - 95)) * 0.05882);
    else if (rh > 85 && tempF >= 80 && tempF <= 87) hi += ((rh - 85) * 0.1) * ((87 - tempF) * 0.2);
  }
  return hi;
}

/**
 * The line DHTtester prints for a climate, and the values a receiver parses from it. A DHT22
 * reports 0.1 °C and 0.1 % steps (datasheet resolution); the sketch prints two decimals.
 */
export function dhtLine(climate: Climate, style: DhtLineStyle): { line: string; tempC: number; rh: number } {
  const t = Math.round(climate.tempC * 10) / 10;
  const h = Math.max(0, Math.min(100, Math.round(climate.rh * 10) / 10));
  const f = t * 1.8 + 32; // DHT::convertCtoF
  const hif = heatIndexF(f, h);
  const hic = (hif - 32) * 0.55555; // DHT::convertFtoC
  const p = (x: number): string => x.toFixed(2);
  const line =
    style === 'new'
      ? `Humidity: ${p(h)}%  Temperature: ${p(t)}°C ${p(f)}°F  Heat index: ${p(hic)}°C ${p(hif)}°F`
      : `Humidity: ${p(h)} %\tTemperature: ${p(t)} *C ${p(f)} *F\tHeat index: ${p(hic)} *C ${p(hif)} *F`;
  return { line, tempC: Number(p(t)), rh: Number(p(h)) };
}

export function startDhtText(options: DhtTextOptions): SimulatedDevice {
  const { endpoint, context } = options;
  const style = options.style ?? 'new';
  const intervalMs = options.intervalMs ?? 2000;
  const failEvery = options.failEvery ?? 0;
  let count = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let bannerSent = false;
  // Lines leave one after another even if a write is slow.
  let writing: Promise<void> = Promise.resolve();

  const send = (text: string): Promise<void> => endpoint.write(Buffer.from(`${text}\r\n`, 'utf8'));

  /** Queues a write behind the previous one; a failed write is logged, never thrown. */
  function enqueue(job: () => Promise<void>): void {
    writing = writing.then(job).catch((err: unknown) => context.logger.warn({ err: String(err) }, 'dht-text write failed'));
  }

  function tick(): void {
    if (stopped) return;
    count++;
    const scenarioMs = context.scenarioTime();
    if (failEvery > 0 && count % failEvery === 0) return enqueue(() => send(DHT_FAILURE_LINE));
    const { line, tempC, rh } = dhtLine(options.climate(scenarioMs), style);
    enqueue(async () => {
      if (stopped) return;
      // Recorded before the line leaves, so whoever receives it finds it already listed.
      context.record({ at: context.now(), scenarioMs, tempC, rh, wire: line });
      await send(line);
    });
  }

  return {
    resume: () => {
      if (timer || stopped) return;
      if ((options.banner ?? true) && !bannerSent) enqueue(() => send(DHT_BANNER));
      bannerSent = true;
      timer = setInterval(tick, intervalMs);
    },
    pause: () => {
      clearInterval(timer);
      timer = undefined;
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      if (timer) clearInterval(timer);
      await writing;
      await endpoint.close();
    },
  };
}
