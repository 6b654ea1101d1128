/**
 * Runs the shelf-life ONNX model (models/shelf-life.onnx, or a user's replacement with the same
 * signature, docs/model.md) in onnxruntime-node, CPU only.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';
import { INPUT_NAMES, INPUTS, OUTPUT_NAMES, OUTPUTS, PARAM_COUNT, STATE_COUNT } from './signature.js';

/** The directory holding package.json: models/ from sources, dist/models/ once compiled. */
export function packageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export function defaultModelPath(): string {
  return join(packageRoot(), 'models', 'shelf-life.onnx');
}

/** Expected rank and fixed sizes per tensor; 'B' and 'N' are free. */
const EXPECTED_SHAPES: Record<string, readonly (number | null)[]> = {
  [INPUTS.temp_c]: [null, null],
  [INPUTS.rh]: [null, null],
  [INPUTS.dt_h]: [null, null],
  [INPUTS.params]: [null, PARAM_COUNT],
  [INPUTS.state_in]: [null, STATE_COUNT],
  [OUTPUTS.state_out]: [null, STATE_COUNT],
  [OUTPUTS.quality]: [null],
  [OUTPUTS.remaining_days]: [null],
};

/** What is wrong with a model's signature, one line per problem (empty when it matches). */
function signatureProblems(session: ort.InferenceSession): string[] {
  const problems: string[] = [];
  const compare = (kind: 'input' | 'output', actual: readonly string[], expected: readonly string[], metadata: readonly ort.InferenceSession.ValueMetadata[] | undefined): void => {
    for (const name of expected) if (!actual.includes(name)) problems.push(`${kind} '${name}' missing`);
    for (const name of actual) if (!expected.includes(name)) problems.push(`unexpected ${kind} '${name}'`);
    // Metadata is exposed by onnxruntime ≥ 1.21; older bindings only give names.
    for (const meta of metadata ?? []) {
      const shape = EXPECTED_SHAPES[meta.name];
      if (!shape) continue;
      if (!meta.isTensor) {
        problems.push(`${kind} '${meta.name}' is not a tensor`);
        continue;
      }
      if (meta.type !== 'float32') problems.push(`${kind} '${meta.name}' is ${meta.type}, expected float32`);
      // An empty shape means the model does not declare one: nothing to check.
      if (meta.shape.length === 0) continue;
      if (meta.shape.length !== shape.length) {
        problems.push(`${kind} '${meta.name}' has rank ${meta.shape.length} [${meta.shape.join(', ')}], expected ${shape.length}`);
        continue;
      }
      shape.forEach((size, i) => {
        const actualSize = meta.shape[i];
        if (size !== null && typeof actualSize === 'number' && actualSize !== size) {
          problems.push(`${kind} '${meta.name}' dimension ${i} is ${actualSize}, expected ${size}`);
        }
      });
    }
  };
  compare('input', session.inputNames, INPUT_NAMES, session.inputMetadata);
  compare('output', session.outputNames, OUTPUT_NAMES, session.outputMetadata);
  return problems;
}

export interface ModelBatch {
  /** [lots × steps], row-major; padding steps have dtH = 0. */
  tempC: Float32Array;
  rh: Float32Array;
  dtH: Float32Array;
  /** [lots × PARAM_COUNT] */
  params: Float32Array;
  /** [lots × STATE_COUNT] */
  state: Float32Array;
  lots: number;
  steps: number;
}

export interface ModelResult {
  /** [lots × STATE_COUNT] */
  state: Float32Array;
  quality: Float32Array;
  remainingDays: Float32Array;
}

export class ShelfLifeModel {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly path: string,
  ) {}

  static async load(path: string = defaultModelPath()): Promise<ShelfLifeModel> {
    const session = await ort.InferenceSession.create(path, {
      executionProviders: ['cpu'],
      // One thread: batches are small and the service runs other work on the remaining cores.
      intraOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
    const problems = signatureProblems(session);
    if (problems.length > 0) {
      await session.release();
      throw new Error(
        `model ${path}: ${problems.join('; ')}; expected inputs ${INPUT_NAMES.join(', ')} and outputs ${OUTPUT_NAMES.join(', ')} (docs/model.md)`,
      );
    }
    return new ShelfLifeModel(session, path);
  }

  async evaluate(batch: ModelBatch): Promise<ModelResult> {
    const { lots, steps } = batch;
    if (!Number.isInteger(lots) || lots < 0 || !Number.isInteger(steps) || steps < 0) {
      throw new Error(`evaluate: lots (${lots}) and steps (${steps}) must be non-negative integers`);
    }
    const expectLength = (name: string, array: Float32Array, length: number): void => {
      if (array.length !== length) throw new Error(`evaluate: ${name} has ${array.length} values, expected ${length}`);
    };
    expectLength('tempC', batch.tempC, lots * steps);
    expectLength('rh', batch.rh, lots * steps);
    expectLength('dtH', batch.dtH, lots * steps);
    expectLength('params', batch.params, lots * PARAM_COUNT);
    expectLength('state', batch.state, lots * STATE_COUNT);
    if (lots === 0) return { state: new Float32Array(0), quality: new Float32Array(0), remainingDays: new Float32Array(0) };

    const feeds: Record<string, ort.Tensor> = {
      [INPUTS.temp_c]: new ort.Tensor('float32', batch.tempC, [lots, steps]),
      [INPUTS.rh]: new ort.Tensor('float32', batch.rh, [lots, steps]),
      [INPUTS.dt_h]: new ort.Tensor('float32', batch.dtH, [lots, steps]),
      [INPUTS.params]: new ort.Tensor('float32', batch.params, [lots, PARAM_COUNT]),
      [INPUTS.state_in]: new ort.Tensor('float32', batch.state, [lots, STATE_COUNT]),
    };
    const out = await this.session.run(feeds);
    const read = (name: string, length: number): Float32Array => {
      const tensor = out[name];
      if (!tensor || tensor.type !== 'float32' || !(tensor.data instanceof Float32Array)) throw new Error(`model ${this.path}: output '${name}' is not float32`);
      if (tensor.data.length !== length) throw new Error(`model ${this.path}: output '${name}' has ${tensor.data.length} values, expected ${length}`);
      // Copy: the result must not alias memory owned by the session.
      return Float32Array.from(tensor.data);
    };
    return {
      state: read(OUTPUTS.state_out, lots * STATE_COUNT),
      quality: read(OUTPUTS.quality, lots),
      remainingDays: read(OUTPUTS.remaining_days, lots),
    };
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

/**
 * A model loaded on first use and then shared by every caller (the shelf-life consumer, the lot
 * routes); a failed load is not kept, so the next call tries again.
 */
export class LazyModel {
  private model: Promise<ShelfLifeModel> | undefined;

  constructor(private readonly load: () => Promise<ShelfLifeModel>) {}

  get(): Promise<ShelfLifeModel> {
    this.model ??= this.load().catch((err: unknown) => {
      this.model = undefined;
      throw err;
    });
    return this.model;
  }

  /** Releases the model if it was loaded; a later get() loads it again. */
  async close(): Promise<void> {
    const model = this.model;
    this.model = undefined;
    if (model) await (await model.catch(() => undefined))?.close();
  }
}
