import { UserInputError } from '../../errors';
import { globalMeanStd, matrix, type Matrix } from '../../numeric/matrix';
import { Rng } from '../../numeric/rng';
import type { PluginDefinition, PluginMeta, TransformPlugin } from '../contract';
import type { ParamSchema, Params } from '../params';

/**
 * The shared machinery of the built-in transforms. A plugin file declares its parameters, the
 * shape of its fitted state, how to learn that state and how to map a batch; this module does the
 * rest: input checks, the fit-before-transform rule, seeding, and state as JSON.
 */

/** Names of fitted values: a single number or one number per wavelength. */
export type StateShape = Readonly<Record<string, 'number' | 'vector'>>;
export type FittedState<S extends StateShape> = {
  [K in keyof S]: S[K] extends 'number' ? number : Float64Array;
};

export interface TransformContext<P, S extends StateShape> {
  readonly params: P;
  readonly state: FittedState<S>;
  /** The caller's generator, or one seeded with the `seed` parameter. */
  readonly rng: Rng;
}

export interface TransformSpec<P, S extends StateShape> {
  readonly name: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly params: ParamSchema;
  /** Declared fitted values; a transform with any needs fit() before transform(). */
  readonly state?: S;
  /** Adds a `seed` parameter; apply() must draw only from ctx.rng. */
  readonly random?: boolean;
  /** Checks across parameters that the schema cannot express; throw ParamError. */
  readonly checkParams?: (params: P) => void;
  /** The fewest wavelengths the transform can work on (default 1). */
  readonly minCols?: (params: P) => number;
  readonly fit?: (x: Matrix, params: P) => FittedState<S>;
  /** Writes the transform of x into out (same length); never writes to x. */
  readonly apply: (x: Matrix, out: Float32Array, ctx: TransformContext<P, S>) => void;
}

export class NotFittedError extends UserInputError {
  constructor(plugin: string) {
    super(`transform "${plugin}" must be fitted on training data before transform()`, { plugin });
  }
}

export const SEED_PARAM = {
  type: 'integer',
  default: 0,
  min: 0,
  max: 4294967295,
  description: 'Seed of the random generator used when the caller passes none',
} as const;

/** Throws a clear error for an empty, ragged, too short or non-finite batch. */
export function checkBatch(plugin: string, x: Matrix, minCols = 1): void {
  const fail = (reason: string): never => {
    throw new UserInputError(`transform "${plugin}": ${reason}`, { plugin });
  };
  if (!x || !(x.data instanceof Float32Array)) fail('input must be a matrix of float32 values');
  if (!(x.rows > 0 && x.cols > 0)) fail(`input is empty (${x.rows} x ${x.cols})`);
  if (x.data.length !== x.rows * x.cols) {
    fail(`input is ragged: ${x.data.length} values for ${x.rows} spectra x ${x.cols} wavelengths`);
  }
  if (x.cols < minCols) fail(`needs at least ${minCols} wavelengths, got ${x.cols}`);
  const data = x.data;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      fail(`input has a non-finite value (${data[i]}) in spectrum ${Math.floor(i / x.cols)} at point ${i % x.cols}`);
    }
  }
}

/** Mean and sum of squared deviations of a vector, in float64. */
export function spread(values: ArrayLike<number>): { mean: number; squares: number } {
  let sum = 0;
  for (let j = 0; j < values.length; j++) sum += values[j];
  const mean = sum / values.length;
  let squares = 0;
  for (let j = 0; j < values.length; j++) squares += (values[j] - mean) ** 2;
  return { mean, squares };
}

/** The training set global std, the unit of the SSL noise and offset magnitudes. */
export function fitGlobalStd(x: Matrix): { std: number } {
  return { std: globalMeanStd(x).std };
}

/** out = (x - centre[j]) / scale[j] at every wavelength j. */
export function scaleColumns(x: Matrix, out: Float32Array, centre: Float64Array, scale: Float64Array): void {
  const { rows, cols, data } = x;
  for (let r = 0; r < rows; r++) {
    const offset = r * cols;
    for (let j = 0; j < cols; j++) out[offset + j] = (data[offset + j] - centre[j]) / scale[j];
  }
}

/** A standard deviation or range treated as zero (float64 rounding of a constant column). */
export function safeScale(scale: number, level: number): number {
  return scale > 1e-12 * Math.max(1, Math.abs(level)) ? scale : 1;
}

export function defineTransform<P, S extends StateShape = Record<string, never>>(
  spec: TransformSpec<P, S>,
): PluginDefinition<TransformPlugin> {
  const stateKeys = Object.keys(spec.state ?? {});
  if (stateKeys.length > 0 && !spec.fit) throw new Error(`transform "${spec.name}" declares a state but no fit()`);
  const definition: PluginDefinition<TransformPlugin> = {
    name: spec.name,
    kind: 'transform',
    description: spec.description,
    tags: spec.tags,
    params: spec.random ? { ...spec.params, seed: SEED_PARAM } : spec.params,
    create: (params) => {
      spec.checkParams?.(params as P);
      return new SpecTransform(definition, params, spec, stateKeys);
    },
  };
  return definition;
}

class SpecTransform<P, S extends StateShape> implements TransformPlugin {
  readonly requiresFit: boolean;
  private fitted: FittedState<S> | null = null;

  constructor(
    readonly meta: PluginMeta,
    readonly params: Readonly<Params>,
    private readonly spec: TransformSpec<P, S>,
    private readonly stateKeys: string[],
  ) {
    this.requiresFit = stateKeys.length > 0;
  }

  get isFitted(): boolean {
    return !this.requiresFit || this.fitted !== null;
  }

  fit(x: Matrix): this {
    checkBatch(this.meta.name, x, this.minCols());
    if (this.spec.fit) this.fitted = this.spec.fit(x, this.typedParams);
    return this;
  }

  transform(x: Matrix, rng?: Rng): Matrix {
    checkBatch(this.meta.name, x, this.minCols());
    if (this.requiresFit && !this.fitted) throw new NotFittedError(this.meta.name);
    const state = (this.fitted ?? {}) as FittedState<S>;
    for (const key of this.stateKeys) {
      const value = state[key];
      if (value instanceof Float64Array && value.length !== x.cols) {
        throw new UserInputError(
          `transform "${this.meta.name}" was fitted on ${value.length} wavelengths, got ${x.cols}`,
          { plugin: this.meta.name },
        );
      }
    }
    const out = new Float32Array(x.data.length);
    const generator = rng ?? new Rng(typeof this.params.seed === 'number' ? this.params.seed : 0);
    this.spec.apply(x, out, { params: this.typedParams, state, rng: generator });
    return matrix(x.rows, x.cols, out);
  }

  getState(): unknown {
    if (!this.fitted) return null;
    const json: Record<string, number | number[]> = {};
    for (const key of this.stateKeys) {
      const value = this.fitted[key];
      json[key] = value instanceof Float64Array ? Array.from(value) : (value as number);
    }
    return json;
  }

  setState(state: unknown): void {
    if (state === null || state === undefined) {
      this.fitted = null;
      return;
    }
    const fail = (reason: string): never => {
      throw new UserInputError(`transform "${this.meta.name}": invalid fitted state: ${reason}`, { plugin: this.meta.name });
    };
    if (!this.requiresFit) fail('this transform has no fitted state');
    if (typeof state !== 'object' || Array.isArray(state)) fail('expected an object');
    const input = state as Record<string, unknown>;
    const restored: Record<string, number | Float64Array> = {};
    for (const [key, kind] of Object.entries(this.spec.state ?? {})) {
      const value = input[key];
      if (kind === 'number') {
        if (typeof value !== 'number' || !Number.isFinite(value)) fail(`"${key}" must be a finite number`);
        restored[key] = value as number;
      } else {
        if (!Array.isArray(value) || value.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
          fail(`"${key}" must be an array of finite numbers`);
        }
        restored[key] = Float64Array.from(value as number[]);
      }
    }
    this.fitted = restored as FittedState<S>;
  }

  private get typedParams(): P {
    return this.params as unknown as P;
  }

  private minCols(): number {
    return this.spec.minCols?.(this.typedParams) ?? 1;
  }
}
