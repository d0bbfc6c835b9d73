import { autoFinetune, chooseScaling, innerSplit, trainingWarnings, type AutoChoices, type AutoSettings } from '../../../engine/auto-finetune';
import { initBackend } from '../../../engine/backend';
import { ClassifierModel, DEFAULT_CLASSIFIER, type ClassifierConfig } from '../../../engine/classifier';
import { PretextModel } from '../../../engine/pretext';
import { SCALING_MODES, type ScalerState, type ScalingMode } from '../../../engine/scaling';
import { UserInputError } from '../../../errors';
import type { Matrix } from '../../../numeric/matrix';
import type { ClassifierPlugin, FitOptions, FitSummary, PluginDefinition, PluginMeta, TrainingProgress } from '../../contract';
import { ParamError, type ParamSchema, type Params } from '../../params';
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
  auto: {
    type: 'boolean',
    default: false,
    description:
      'Choose the input scaling, learning rate and fine-tuning length by inner validation on the labelled training rows ' +
      '(early stopping, best weights restored; "epochs" is then the most an inner run trains); false: train as configured',
  },
  autoScalings: {
    type: 'stringArray',
    default: ['global', 'autoscale'],
    minLength: 1,
    description: 'Input scalings the automatic mode compares (global, autoscale, none)',
  },
  autoLearningRates: {
    type: 'numberArray',
    default: [1e-3, 3e-4, 1e-4],
    minLength: 1,
    min: 0,
    description: 'Fine-tuning learning rates the automatic mode compares, preferred first on ties',
  },
  validationFraction: {
    type: 'number',
    default: 0.2,
    min: 0.05,
    max: 0.5,
    description: 'Share of the labelled training rows held out for the automatic mode\'s inner validation',
  },
  autoPatience: {
    type: 'integer',
    default: 20,
    min: 1,
    description: 'Epochs without a lower inner-validation loss before an automatic-mode run stops',
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
  /** The automatic mode's scaling, once chosen (before pre-training, which depends on it). */
  private chosenScaling: ScalingMode | null = null;
  private choices: Partial<AutoChoices> = {};
  private warnings: string[] = [];

  constructor(
    readonly meta: PluginMeta,
    readonly params: Readonly<Params>,
  ) {
    for (const mode of params.autoScalings as string[]) {
      if (!(SCALING_MODES as readonly string[]).includes(mode)) {
        throw new ParamError(meta.name, 'autoScalings', `has unknown scaling "${mode}" (known: ${SCALING_MODES.join(', ')})`);
      }
    }
    this.pretextParams();
  }

  get config(): ClassifierConfig {
    const training = trainingFrom(this.params);
    return {
      ...training,
      scaling: this.chosenScaling ?? training.scaling,
      encoder: encoderConfigFrom(this.params),
      hidden: this.params.hidden as number[],
      freezeEncoder: this.params.freezeEncoder as boolean,
    };
  }

  get isAuto(): boolean {
    return this.params.auto === true;
  }

  get autoSettings(): AutoSettings {
    return {
      scalings: this.params.autoScalings as ScalingMode[],
      learningRates: this.params.autoLearningRates as number[],
      validationFraction: this.params.validationFraction as number,
      patience: (this.params.earlyStoppingPatience as number | null) ?? (this.params.autoPatience as number),
      seed: (this.params.seed as number) + 7,
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

  /** The automatic mode picks the pre-training's input scaling with the labels. */
  pretextChoiceUsesLabels(): boolean {
    return this.isAuto && this.autoSettings.scalings.length > 1;
  }

  /** Uses these encoder weights (from transformation-recognition) instead of pre-training in fit(). */
  setPretrainedEncoder(state: EncoderState | null): void {
    this.pretrained = state === null ? null : checkEncoderState(state, this.meta.name);
    if (this.pretrained && this.isAuto) {
      // An encoder only fits inputs scaled the way it was pre-trained.
      this.chosenScaling = this.pretrained.scaler.mode;
      if (!this.choices.scaling) this.choices = { ...this.choices, scaling: { chosen: this.chosenScaling, candidates: [] } };
    }
  }

  /** Validated parameters of the pretext stage, encoder parameters taken from this plugin. */
  pretextParams(): Params {
    return embeddedPretextParams(this.meta.name, 'classifier', this.params, {
      seed: this.params.seed,
      scaling: this.chosenScaling ?? this.params.scaling,
    });
  }

  /**
   * Decisions that pre-training depends on, made on the labelled training rows: in the automatic
   * mode, the input scaling (the network trained from scratch with each candidate on the inner
   * split). Nothing otherwise.
   */
  async prepare(x: Matrix, y: Int32Array, nClasses: number, options: FitOptions = {}): Promise<void> {
    if (!this.isAuto || this.chosenScaling !== null) return;
    checkTrainingData(this.meta.name, x, y, nClasses);
    await initBackend();
    const settings = this.autoSettings;
    const scaling = await chooseScaling(x, y, nClasses, this.config, settings, innerSplit(y, settings, options.groups), options);
    this.chosenScaling = scaling.chosen;
    this.choices = { ...this.choices, scaling };
  }

  async fit(x: Matrix, y: Int32Array, nClasses: number, options: FitOptions = {}): Promise<void> {
    checkTrainingData(this.meta.name, x, y, nClasses);
    await initBackend();
    const history: TrainingProgress[] = [];
    const onProgress = (p: TrainingProgress): void => {
      history.push(p);
      options.onProgress?.(p);
    };
    const progressOptions: FitOptions = { ...options, onProgress };
    await this.prepare(x, y, nClasses, progressOptions);
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
    if (this.isAuto) {
      const settings = this.autoSettings;
      const tuned = await autoFinetune(x, y, nClasses, this.config, encoderBytes, settings, innerSplit(y, settings, options.groups), progressOptions);
      this.adopt(tuned.model, history);
      this.choices = { ...this.choices, ...tuned.choices };
      this.warnings = tuned.warnings;
      return;
    }
    const { model, result } = await ClassifierModel.train(x, y, nClasses, this.config, {
      pretrainedEncoder: encoderBytes,
      signal: options.signal,
      onProgress,
    });
    this.adopt(model, history);
    this.warnings = trainingWarnings(model, result, x, y);
  }

  fitSummary(): FitSummary {
    return { choices: { ...this.choices }, warnings: [...this.warnings] };
  }

  private adopt(model: ClassifierModel, history: TrainingProgress[]): void {
    const { model: previous } = this;
    if (previous !== model) previous?.dispose();
    this.pending = null;
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
