import { COMMODITIES, findCommodity, parameterRow, unknownCommodityMessage, type Commodity } from '../../models/commodities.js';
import { ShelfLifeModel } from '../../models/runner.js';
import { STATE_COUNT } from '../../models/signature.js';
import { parseCommandArgs, print, UsageError } from '../args.js';

const USAGE = `usage: freshtrail model check [--file MODEL.onnx]
       freshtrail model predict --commodity ID --temp C --hours H [--rh PCT] [--future C] [--file MODEL.onnx]
       freshtrail model commodities

The shelf-life model (docs/model.md). "check" loads a model (default: the built-in
models/shelf-life.onnx) and verifies its signature, so you can try your own before configuring
it. "predict" runs it for a lot held at one temperature and humidity for some hours and prints
the quality, the water loss, the chilling dose and the remaining shelf life at --future
(default: the commodity's best temperature). "commodities" lists the known commodity ids.`;

function numberOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got "${value}"\n\n${USAGE}`);
  return n;
}

function knownCommodity(id: string): Commodity {
  const found = findCommodity(id);
  if (!found) throw new UsageError(unknownCommodityMessage(id));
  return found;
}

export async function modelCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values } = parseCommandArgs(
    rest,
    { file: { type: 'string' }, commodity: { type: 'string' }, temp: { type: 'string' }, hours: { type: 'string' }, rh: { type: 'string' }, future: { type: 'string' } },
    USAGE,
  );
  if (values.help || !sub) return print(USAGE), sub ? 0 : 2;
  if (sub === 'commodities') {
    for (const c of COMMODITIES) print(`${c.id}\t${c.name}\tbest ${c.tRefC} °C\t${c.slRefDays} d`);
    return 0;
  }
  if (sub !== 'check' && sub !== 'predict') throw new UsageError(`unknown model subcommand "${sub}"\n\n${USAGE}`);
  const model = await ShelfLifeModel.load(values.file);
  try {
    if (sub === 'check') {
      print(`${model.path}: signature OK (inputs temp_c, rh, dt_h, params, state_in; outputs state_out, quality, remaining_days)`);
      return 0;
    }
    const tempC = numberOption(values.temp, 'temp');
    const hours = numberOption(values.hours, 'hours');
    if (!values.commodity || tempC === undefined || hours === undefined || hours < 0) throw new UsageError(`--commodity, --temp and --hours (≥ 0) are required\n\n${USAGE}`);
    const c = knownCommodity(values.commodity);
    const rh = numberOption(values.rh, 'rh') ?? c.rhBest;
    const future = numberOption(values.future, 'future') ?? c.tRefC;
    const steps = Math.max(1, Math.ceil(hours));
    const dt = hours / steps;
    const result = await model.evaluate({
      tempC: new Float32Array(steps).fill(tempC),
      rh: new Float32Array(steps).fill(rh),
      dtH: new Float32Array(steps).fill(dt),
      params: Float32Array.from(parameterRow(c, future)),
      state: new Float32Array(STATE_COUNT),
      lots: 1,
      steps,
    });
    const [used, water, chill] = result.state;
    print(
      JSON.stringify({
        commodity: c.id,
        tempC,
        rh,
        hours,
        usedFraction: Number(used!.toFixed(4)),
        waterLossPct: Number(water!.toFixed(3)),
        chillDegreeHours: Number(chill!.toFixed(1)),
        quality: Number(result.quality[0]!.toFixed(2)),
        remainingDays: Number(result.remainingDays[0]!.toFixed(2)),
        atC: future,
      }),
    );
    return 0;
  } finally {
    await model.close();
  }
}
