import { initBackend } from '../../../engine/backend';
import { DEFAULT_PRETEXT, PretextModel, type PretextConfig, type PretextMetrics, type SslTransformName } from '../../../engine/pretext';
import type { LoopResult } from '../../../engine/train-loop';
import { UserInputError } from '../../../errors';
import type { Matrix } from '../../../numeric/matrix';
import type { FitOptions, PluginDefinition, PluginInstance, PluginMeta, TrainingProgress } from '../../contract';
import { ParamError, validateParams, type ParamSchema, type Params } from '../../params';
import { SSL_TRANSFORM_NAMES, createSslTransform } from '../../transforms';
import { CnnEncoderPlugin, type EncoderState } from './cnn-encoder.plugin';
import { ENCODER_PARAMS, base64ToBytes, bytesToBase64, checkScaler, encoderConfigFrom, positiveInteger, trainingFrom, trainingParams } from './shared';

const PRETEXT_PARAMS: ParamSchema = {
  ...ENCODER_PARAMS,
  ...trainingParams(DEFAULT_PRETEXT.epochs),
  transforms: {
    type: 'stringArray',
    default: [...SSL_TRANSFORM_NAMES],
    minLength: 1,
    description: `SSL transforms that take part (subset of ${SSL_TRANSFORM_NAMES.join(', ')}); one for single-task ablations`,
  },
  magnitudes: {
    type: 'enum',
    values: ['measured', 'paper'],
    default: 'measured',
    description:
      'Offset and multiplication magnitudes: "measured" (offset 2 x std, multiplication 1 +- 0.5, each draw at least half of that: ' +
      'the setting recognised best on training spectra, docs/studies/pretext-magnitudes.md) or "paper" (0.1 x std, 1 +- 0.1, METHOD.md)',
  },
  transformParams: {
    type: 'json',
    default: null,
    description: 'Parameters per transform plugin, over the magnitudes preset, e.g. {"offset": {"amplitudeFactor": 1}}',
  },
  lossWeights: {
    type: 'numberArray',
    default: null,
    nullable: true,
    min: 0,
    description: 'Loss weight alpha_j per head (raw first, then each transform); null: equal weights 1/heads',
  },
  headHidden: { type: 'integerArray', default: [...DEFAULT_PRETEXT.headHidden], min: 1, description: 'Hidden sizes of each head' },
};

/**
 * Offset and multiplication magnitudes that the pretext network recognises (measured on training
 * spectra of Tablet, docs/studies/pretext-magnitudes.md): at METHOD.md's 0.1 x std and 1 +- 0.1
 * they are never told from the raw spectrum (F1 0).
 */
export const MEASURED_MAGNITUDES: Readonly<Record<string, Params>> = {
  offset: { amplitudeFactor: 2, minFraction: 0.5 },
  multiplication: { amplitude: 0.5, minFraction: 0.5 },
};

export function pretextConfigFrom(params: Params, pluginName = 'transformation-recognition'): PretextConfig {
  const transforms = params.transforms as string[];
  for (const t of transforms) {
    if (!(SSL_TRANSFORM_NAMES as readonly string[]).includes(t)) {
      throw new ParamError(pluginName, 'transforms', `has unknown transform "${t}" (known: ${SSL_TRANSFORM_NAMES.join(', ')})`);
    }
  }
  if (new Set(transforms).size !== transforms.length) throw new ParamError(pluginName, 'transforms', 'repeats a transform');
  const given = (params.transformParams ?? {}) as Record<string, Params>;
  if (typeof given !== 'object' || Array.isArray(given)) {
    throw new ParamError(pluginName, 'transformParams', 'must be an object of transform name: parameters');
  }
  const preset = params.magnitudes === 'paper' ? {} : MEASURED_MAGNITUDES;
  const transformParams: Record<string, Params> = {};
  for (const name of transforms) {
    const merged = { ...(preset[name] ?? {}), ...(given[name] ?? {}) };
    if (Object.keys(merged).length > 0) transformParams[name] = merged;
  }
  for (const name of Object.keys(given)) if (!transforms.includes(name)) transformParams[name] = given[name];
  const lossWeights = params.lossWeights as number[] | null;
  if (lossWeights && lossWeights.length !== transforms.length + 1) {
    throw new ParamError(pluginName, 'lossWeights', `needs ${transforms.length + 1} values (raw + each transform)`);
  }
  const training = trainingFrom(params);
  return {
    ...training,
    encoder: encoderConfigFrom(params),
    transforms: transforms as SslTransformName[],
    transformParams,
    lossWeights,
    headHidden: params.headHidden as number[],
  };
}

interface PretextState {
  readonly inputLength: number;
  readonly scaler: ReturnType<typeof checkScaler>;
  readonly transformStates: unknown[] | null;
  readonly weights: string;
}

/**
 * The pretext task as a plugin: fit on unlabelled spectra, evaluate per-transformation accuracy
 * and F1 on held-out spectra, hand the encoder's weights to a classifier.
 */
export class TransformationRecognitionPlugin implements PluginInstance {
  private model: PretextModel | null = null;
  /** A restored state not yet turned into tensors (setState is synchronous, backends are not). */
  private pending: PretextState | null = null;
  private history: TrainingProgress[] = [];

  constructor(
    readonly meta: PluginMeta,
    readonly params: Readonly<Params>,
  ) {
    pretextConfigFrom(params, meta.name);
  }

  get config(): PretextConfig {
    return pretextConfigFrom(this.params, this.meta.name);
  }

  get isFitted(): boolean {
    return this.model !== null || this.pending !== null;
  }

  /** Per-epoch progress of the last fit. */
  get trainingHistory(): readonly TrainingProgress[] {
    return this.history;
  }

  async fit(x: Matrix, options: FitOptions & { validation?: Matrix } = {}): Promise<LoopResult> {
    await initBackend();
    const { model, result } = await PretextModel.train(x, this.config, createSslTransform, options);
    this.dispose();
    this.model = model;
    this.history = result.history;
    return result;
  }

  /** Held-out metrics (variants drawn with `seed`). */
  async evaluate(x: Matrix, seed?: number): Promise<PretextMetrics> {
    return (await this.fitted()).evaluate(x, seed);
  }

  /** The pre-trained encoder, for cnn-encoder or cnn-classifier (setPretrainedEncoder). */
  async encoderState(): Promise<EncoderState> {
    const model = await this.fitted();
    return CnnEncoderPlugin.stateFrom(model.inputLength, model.scaler, model.encoderBytes());
  }

  getState(): unknown {
    if (this.pending) return this.pending;
    if (!this.model) return null;
    const state: PretextState = {
      inputLength: this.model.inputLength,
      scaler: this.model.scaler,
      transformStates: this.model.transformStates,
      weights: bytesToBase64(this.model.toBytes()),
    };
    return state;
  }

  setState(state: unknown): void {
    this.dispose();
    if (state === null || state === undefined) return;
    const s = state as Partial<PretextState>;
    positiveInteger(s.inputLength, 'inputLength', this.meta.name);
    checkScaler(s.scaler, this.meta.name);
    base64ToBytes(s.weights, this.meta.name);
    this.pending = s as PretextState;
  }

  /** Frees the model's tensors. */
  dispose(): void {
    this.model?.dispose();
    this.model = null;
    this.pending = null;
  }

  private async fitted(): Promise<PretextModel> {
    await initBackend();
    if (this.pending) {
      const s = this.pending;
      const model = PretextModel.fromBytes(this.config, s.inputLength, s.scaler, base64ToBytes(s.weights, this.meta.name), createSslTransform);
      model.transformStates = Array.isArray(s.transformStates) ? s.transformStates : null;
      this.pending = null;
      this.model = model;
    }
    if (!this.model) throw new UserInputError(`${this.meta.name}: fit it (or restore its state) first`);
    return this.model;
  }
}

export const transformationRecognitionPlugin: PluginDefinition<TransformationRecognitionPlugin> = {
  name: 'transformation-recognition',
  kind: 'pretext',
  description: 'Self-supervised pretext task: recognise which transformation (if any) produced each spectrum',
  tags: ['ssl', 'cnn', 'pretext'],
  params: PRETEXT_PARAMS,
  create: (params) => new TransformationRecognitionPlugin(transformationRecognitionPlugin, params),
};

/**
 * The pretext parameters of a plugin that runs this stage inside its own fit (cnn-classifier,
 * ssl-embedding-probe): its `pretext` object, over `inherited` (seed, scaling), with the encoder
 * parameters always the host's, so that the transferred encoder fits the host network.
 */
export function embeddedPretextParams(host: string, role: string, hostParams: Params, inherited: Params): Params {
  const given = (hostParams.pretext ?? {}) as Params;
  if (typeof given !== 'object' || Array.isArray(given)) throw new ParamError(host, 'pretext', 'must be an object');
  const encoderKeys = Object.keys(ENCODER_PARAMS);
  for (const key of encoderKeys) {
    if (key in given) throw new ParamError(host, 'pretext', `must not set "${key}": the encoder is configured on the ${role}`);
  }
  const encoder = Object.fromEntries(encoderKeys.map((key) => [key, hostParams[key]]));
  const params = validateParams(transformationRecognitionPlugin.name, transformationRecognitionPlugin.params, { ...inherited, ...given, ...encoder });
  pretextConfigFrom(params);
  return params;
}
