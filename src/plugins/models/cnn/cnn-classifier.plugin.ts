import { initBackend } from '../../../engine/backend';
import { ClassifierModel, DEFAULT_CLASSIFIER, type ClassifierConfig } from '../../../engine/classifier';
import { PretextModel } from '../../../engine/pretext';
import type { ScalerState } from '../../../engine/scaling';
import { UserInputError } from '../../../errors';
import type { Matrix } from '../../../numeric/matrix';
import type { ClassifierPlugin, FitOptions, PluginDefinition, PluginMeta, TrainingProgress } from '../../contract';
import type { ParamSchema, Params } from '../../params';
import { checkEncoderState, type EncoderState } from './cnn-encoder.plugin';
import { ENCODER_PARAMS, base64ToBytes, bytesToBase64, checkScaler, encoderConfigFrom, positiveInteger, trainingFrom, trainingParams } from './shared';
import { checkPredictWidth, checkTrainingData } from '../training-data';
import type { SslPretrainable } from './ssl-pretrainable';
import { embeddedPretextParams, pretextConfigFrom } from './transformation-recognition.plugin';

const CLASSIFIER_PARAMS: ParamSchema = {
  ...ENCODER_PARAMS,
  ...trainingParams(DEFAULT_CLASSIFIER.epochs),
  hidden: { type: 'integerArray', default: [...DEFAULT_CLASSIFIER.hidden], min: 1, description: 'Hidden sizes of the classification head' },
  freezeEncoder: {
    type: 'boolean',
    default: false,
    description: 'Train only the head on a pre-trained encoder (its batch norm in inference mode)',
  },
  ssl: {
    type: 'boolean',
    default: true,
    description: 'Pre-train the encoder on the training spectra with transformation recognition before fine-tuning; false: from scratch',
  },
  pretext: {
    type: 'json',
    default: null,
    description: 'Parameters of the transformation-recognition stage (its encoder parameters are this plugin\'s)',
  },
};


interface ClassifierState {
  readonly inputLength: number;
  readonly nClasses: number;
  readonly scaler: ScalerState;
  readonly weights: string;
}

/**
 * The CNN classifier of METHOD.md (ClassifierPlugin): fit() pre-trains the encoder on the
 * training spectra (ssl: true), or starts from an encoder given by setPretrainedEncoder(), or from
 * scratch; then fine-tunes encoder + head. Progress stages: "pretext", then "finetune".
 */
export class CnnClassifierPlugin implements ClassifierPlugin, SslPretrainable {
  private model: ClassifierModel | null = null;
  private pending: ClassifierState | null = null;
  private pretrained: EncoderState | null = null;
  private history: TrainingProgress[] = [];

  constructor(
    readonly meta: PluginMeta,
    readonly params: Readonly<Params>,
  ) {
    this.pretextParams();
  }

  get config(): ClassifierConfig {
    const training = trainingFrom(this.params);
    return {
      ...training,
      encoder: encoderConfigFrom(this.params),
      hidden: this.params.hidden as number[],
      freezeEncoder: this.params.freezeEncoder as boolean,
    };
  }

  get isFitted(): boolean {
    return this.model !== null || this.pending !== null;
  }

  get trainingHistory(): readonly TrainingProgress[] {
    return this.history;
  }

  usesSslPretraining(): boolean {
    return this.params.ssl === true;
  }

  /** Uses these encoder weights (from transformation-recognition) instead of pre-training in fit(). */
  setPretrainedEncoder(state: EncoderState | null): void {
    this.pretrained = state === null ? null : checkEncoderState(state, this.meta.name);
  }

  /** Validated parameters of the pretext stage, encoder parameters taken from this plugin. */
  pretextParams(): Params {
    return embeddedPretextParams(this.meta.name, 'classifier', this.params, { seed: this.params.seed, scaling: this.params.scaling });
  }

  async fit(x: Matrix, y: Int32Array, nClasses: number, options: FitOptions = {}): Promise<void> {
    checkTrainingData(this.meta.name, x, y, nClasses);
    await initBackend();
    const history: TrainingProgress[] = [];
    const onProgress = (p: TrainingProgress): void => {
      history.push(p);
      options.onProgress?.(p);
    };
    let encoderBytes: Uint8Array | null = null;
    if (this.pretrained) {
      if (this.pretrained.inputLength !== x.cols) {
        throw new UserInputError(`${this.meta.name}: pre-trained encoder is for ${this.pretrained.inputLength} points, got ${x.cols}`);
      }
      encoderBytes = base64ToBytes(this.pretrained.weights, this.meta.name);
    } else if (this.params.ssl) {
      const { model } = await PretextModel.train(x, pretextConfigFrom(this.pretextParams()), { signal: options.signal, onProgress });
      try {
        encoderBytes = model.encoderBytes();
      } finally {
        model.dispose();
      }
    }
    const { model } = await ClassifierModel.train(x, y, nClasses, this.config, {
      pretrainedEncoder: encoderBytes,
      signal: options.signal,
      onProgress,
    });
    this.dispose();
    this.model = model;
    this.history = history;
  }

  async predictProba(x: Matrix): Promise<Matrix> {
    const model = await this.fitted();
    checkPredictWidth(this.meta.name, x, model.inputLength);
    return model.predictProba(x);
  }

  async predict(x: Matrix): Promise<Int32Array> {
    const model = await this.fitted();
    checkPredictWidth(this.meta.name, x, model.inputLength);
    return model.predict(x);
  }

  /** Features after encoder block `depth` (1-based) of the fine-tuned network. */
  async embed(x: Matrix, depth: number): Promise<Matrix> {
    return (await this.fitted()).embed(x, depth);
  }

  getState(): unknown {
    if (this.pending) return this.pending;
    if (!this.model) return null;
    const state: ClassifierState = {
      inputLength: this.model.inputLength,
      nClasses: this.model.nClasses,
      scaler: this.model.scaler,
      weights: bytesToBase64(this.model.toBytes()),
    };
    return state;
  }

  setState(state: unknown): void {
    this.dispose();
    if (state === null || state === undefined) return;
    const s = state as Partial<ClassifierState>;
    positiveInteger(s.inputLength, 'inputLength', this.meta.name);
    positiveInteger(s.nClasses, 'nClasses', this.meta.name);
    checkScaler(s.scaler, this.meta.name);
    base64ToBytes(s.weights, this.meta.name);
    this.pending = s as ClassifierState;
  }

  dispose(): void {
    this.model?.dispose();
    this.model = null;
    this.pending = null;
  }

  private async fitted(): Promise<ClassifierModel> {
    await initBackend();
    if (this.pending) {
      const s = this.pending;
      this.model = ClassifierModel.fromBytes(this.config, s.inputLength, s.nClasses, s.scaler, base64ToBytes(s.weights, this.meta.name));
      this.pending = null;
    }
    if (!this.model) throw new UserInputError(`${this.meta.name}: fit it (or restore its state) first`);
    return this.model;
  }
}

export const cnnClassifierPlugin: PluginDefinition<CnnClassifierPlugin> = {
  name: 'cnn-classifier',
  kind: 'classifier',
  description: 'Self-supervised 1-D CNN classifier: transformation-recognition pre-training, then fine-tuning',
  tags: ['ssl', 'cnn'],
  params: CLASSIFIER_PARAMS,
  create: (params) => new CnnClassifierPlugin(cnnClassifierPlugin, params),
};
