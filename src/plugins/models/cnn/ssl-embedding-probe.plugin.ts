import { UserInputError } from '../../../errors';
import type { Matrix } from '../../../numeric/matrix';
import type { ClassifierPlugin, FitOptions, PluginDefinition, PluginMeta, TransformPlugin } from '../../contract';
import { ParamError, validateParams, type ParamSchema, type Params } from '../../params';
import { autoscaleTransform } from '../../transforms/autoscale.transform';
import { BASELINE_PLUGINS } from '../baselines';
import { cnnEncoderPlugin, type CnnEncoderPlugin, type EncoderState } from './cnn-encoder.plugin';
import { checkPredictWidth, checkTrainingData } from '../training-data';
import { ENCODER_PARAMS } from './shared';
import type { SslPretrainable } from './ssl-pretrainable';
import { embeddedPretextParams, transformationRecognitionPlugin } from './transformation-recognition.plugin';

const PROBES = BASELINE_PLUGINS.map((p) => p.name);
const ENCODER_KEYS = Object.keys(ENCODER_PARAMS);

const PROBE_PARAMS: ParamSchema = {
  ...ENCODER_PARAMS,
  depth: { type: 'integer', default: 3, min: 1, max: 8, description: 'Encoder block whose output is the embedding (1 = first block)' },
  probe: { type: 'enum', values: PROBES, default: 'pls-da', description: 'Baseline classifier fitted on the (autoscaled) embeddings' },
  probeParams: { type: 'json', default: null, description: "Parameters of the probe classifier (its plugin's schema)" },
  pretext: { type: 'json', default: null, description: 'Parameters of the transformation-recognition pre-training (encoder parameters are this plugin\'s)' },
  seed: { type: 'integer', default: 0, min: 0, max: 4294967295, description: 'Seed of the pre-training' },
};

interface ProbeState {
  readonly encoder: EncoderState;
  readonly scaler: unknown;
  readonly probe: unknown;
}

/**
 * How good an embedding is at a given depth (the paper's Fig. 6): the encoder is pre-trained by
 * transformation recognition and frozen; a baseline classifier is fitted on the autoscaled
 * features of block `depth`. No fine-tuning, so the score measures the embedding itself.
 */
export class SslEmbeddingProbePlugin implements ClassifierPlugin, SslPretrainable {
  private encoderState: EncoderState | null = null;
  private fittedParts: { scaler: TransformPlugin; probe: ClassifierPlugin } | null = null;

  constructor(
    readonly meta: PluginMeta,
    readonly params: Readonly<Params>,
  ) {
    if ((params.depth as number) > (params.blocks as number)) {
      throw new ParamError(meta.name, 'depth', `must be at most the number of blocks (${params.blocks})`);
    }
    this.pretextParams();
    this.newProbe();
  }

  get isFitted(): boolean {
    return this.fittedParts !== null;
  }

  usesSslPretraining(): boolean {
    return true;
  }

  pretextParams(): Params {
    // Same inherited defaults as cnn-classifier, so that both share pre-trained encoders.
    return embeddedPretextParams(this.meta.name, 'probe', this.params, { seed: this.params.seed, scaling: 'global' });
  }

  setPretrainedEncoder(state: EncoderState | null): void {
    this.encoderState = state;
  }

  async fit(x: Matrix, y: Int32Array, nClasses: number, options: FitOptions = {}): Promise<void> {
    checkTrainingData(this.meta.name, x, y, nClasses);
    let encoder = this.encoderState;
    if (!encoder) {
      const recogniser = transformationRecognitionPlugin.create(this.pretextParams());
      try {
        await recogniser.fit(x, options);
        encoder = await recogniser.encoderState();
      } finally {
        recogniser.dispose();
      }
    }
    const features = await this.embedWith(encoder, x);
    const scaler = autoscaleTransform.create({}) as TransformPlugin;
    const probe = this.newProbe();
    await probe.fit(scaler.fit(features).transform(features), y, nClasses, options);
    this.encoderState = encoder;
    this.fittedParts = { scaler, probe };
  }

  async predictProba(x: Matrix): Promise<Matrix> {
    const { scaler, probe } = this.fitted();
    checkPredictWidth(this.meta.name, x, (this.encoderState as EncoderState).inputLength);
    return probe.predictProba(scaler.transform(await this.embedWith(this.encoderState as EncoderState, x)));
  }

  async predict(x: Matrix): Promise<Int32Array> {
    const { scaler, probe } = this.fitted();
    checkPredictWidth(this.meta.name, x, (this.encoderState as EncoderState).inputLength);
    return probe.predict(scaler.transform(await this.embedWith(this.encoderState as EncoderState, x)));
  }

  getState(): unknown {
    if (!this.fittedParts || !this.encoderState) return null;
    const state: ProbeState = { encoder: this.encoderState, scaler: this.fittedParts.scaler.getState(), probe: this.fittedParts.probe.getState() };
    return state;
  }

  setState(state: unknown): void {
    if (state === null || state === undefined) {
      this.fittedParts = null;
      return;
    }
    const s = state as Partial<ProbeState>;
    if (!s.encoder || s.scaler === undefined || s.probe === undefined) throw new UserInputError(`${this.meta.name}: invalid state`);
    const scaler = autoscaleTransform.create({}) as TransformPlugin;
    scaler.setState(s.scaler);
    const probe = this.newProbe();
    probe.setState(s.probe);
    this.encoderState = s.encoder;
    this.fittedParts = { scaler, probe };
  }

  /** Features after block `depth` (1-based) of the frozen encoder (default: the probe's own block). */
  async embed(x: Matrix, depth = this.params.depth as number): Promise<Matrix> {
    this.fitted();
    checkPredictWidth(this.meta.name, x, (this.encoderState as EncoderState).inputLength);
    return this.embedWith(this.encoderState as EncoderState, x, depth);
  }

  private async embedWith(state: EncoderState, x: Matrix, depth = this.params.depth as number): Promise<Matrix> {
    const encoderParams = Object.fromEntries(ENCODER_KEYS.map((k) => [k, this.params[k]]));
    const encoder = cnnEncoderPlugin.create(validateParams(cnnEncoderPlugin.name, cnnEncoderPlugin.params, encoderParams)) as CnnEncoderPlugin;
    encoder.setState(state);
    return encoder.embed(x, depth);
  }

  private newProbe(): ClassifierPlugin {
    const definition = BASELINE_PLUGINS.find((p) => p.name === this.params.probe);
    if (!definition) throw new ParamError(this.meta.name, 'probe', `unknown probe "${this.params.probe}"`);
    const given = (this.params.probeParams ?? {}) as Params;
    if (typeof given !== 'object' || Array.isArray(given)) throw new ParamError(this.meta.name, 'probeParams', 'must be an object');
    return definition.create(validateParams(definition.name, definition.params, given)) as ClassifierPlugin;
  }

  private fitted(): { scaler: TransformPlugin; probe: ClassifierPlugin } {
    if (!this.fittedParts || !this.encoderState) throw new UserInputError(`${this.meta.name}: fit it (or restore its state) first`);
    return this.fittedParts;
  }
}

export const sslEmbeddingProbePlugin: PluginDefinition<SslEmbeddingProbePlugin> = {
  name: 'ssl-embedding-probe',
  kind: 'classifier',
  description: 'A baseline classifier on frozen embeddings of a transformation-recognition encoder at a chosen depth (Fig. 6)',
  tags: ['ssl', 'cnn', 'ablation'],
  params: PROBE_PARAMS,
  create: (params) => new SslEmbeddingProbePlugin(sslEmbeddingProbePlugin, params),
};
