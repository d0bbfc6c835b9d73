import {
  DEFAULT_AUTO_SETTINGS,
  autoFinetune,
  chooseScaling,
  innerSplits,
  trainingWarnings,
  type AutoChoices,
  type AutoSettings,
  type CandidateScore,
  type InnerSplit,
  type TrainedCandidate,
} from '../../../engine/auto-finetune';
import { SPECTRAL_AUGMENTATION, type Augmentation } from '../../../engine/augmentation';
import { initBackend } from '../../../engine/backend';
import { ClassifierModel, DEFAULT_CLASSIFIER, type ClassifierConfig } from '../../../engine/classifier';
import { PretextModel } from '../../../engine/pretext';
import { createSslTransform } from '../../transforms';
import { SCALING_MODES, type ScalerState, type ScalingMode } from '../../../engine/scaling';
import { UserInputError } from '../../../errors';
import type { Matrix } from '../../../numeric/matrix';
import { argmaxRows } from '../../../numeric/metrics';
import type { ClassifierPlugin, FitOptions, FitSummary, PluginDefinition, PluginMeta, TrainingProgress } from '../../contract';
import { ParamError, type ParamSchema, type Params } from '../../params';
import { BASELINE_PLUGINS } from '../baselines';
import { CnnEncoderPlugin, checkEncoderState, type EncoderState } from './cnn-encoder.plugin';
import { FINE_TUNED, chooseHead, createProbe, fitProbe, probeParams, scoreProbe, type HeadChoice, type ProbeHeadSettings } from './probe-head';
import type { SslEmbeddingProbePlugin } from './ssl-embedding-probe.plugin';
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
  augmentation: {
    type: 'boolean',
    default: false,
    description: 'Augment every fine-tuning batch with a random offset, linear slope and gain (raw spectra, before scaling)',
  },
  augmentOffset: {
    type: 'number',
    default: SPECTRAL_AUGMENTATION.offset,
    min: 0,
    description: 'Augmentation offset half-width, in units of the training set\'s global std',
  },
  augmentMultiplication: {
    type: 'number',
    default: SPECTRAL_AUGMENTATION.multiplication,
    min: 0,
    max: 1,
    exclusiveMax: true,
    description: 'Augmentation gain half-width: spectra are multiplied by 1 + U(-m, m)',
  },
  augmentSlope: {
    type: 'number',
    default: SPECTRAL_AUGMENTATION.slope,
    min: 0,
    description: 'Augmentation slope half-width: the offset reached at either end of the axis, in global std units',
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
    default: [...DEFAULT_AUTO_SETTINGS.scalings],
    minLength: 1,
    description: 'Input scalings the automatic mode compares (global, autoscale, none)',
  },
  autoLearningRates: {
    type: 'numberArray',
    default: [...DEFAULT_AUTO_SETTINGS.learningRates],
    minLength: 1,
    min: 0,
    description: 'Fine-tuning learning rates the automatic mode compares, preferred first on ties',
  },
  autoInnerFolds: {
    type: 'integer',
    default: DEFAULT_AUTO_SETTINGS.innerFolds,
    min: 1,
    max: 10,
    description:
      'Inner cross-validation folds of the labelled training rows that the automatic mode chooses on (pooled validation of every ' +
      'fold); 1: one hold-out split of validationFraction',
  },
  validationFraction: {
    type: 'number',
    default: DEFAULT_AUTO_SETTINGS.validationFraction,
    min: 0.05,
    max: 0.5,
    description: 'Share of the labelled training rows held out for the automatic mode\'s inner validation when autoInnerFolds is 1',
  },
  autoPatience: {
    type: 'integer',
    default: DEFAULT_AUTO_SETTINGS.patience,
    min: 1,
    description: 'Epochs without a lower validation loss, pooled over the inner folds, before the automatic mode\'s inner runs stop together',
  },
  autoPatienceSteps: {
    type: 'integer',
    default: DEFAULT_AUTO_SETTINGS.patienceSteps,
    min: 0,
    description:
      'The automatic mode\'s patience is at least this many optimiser steps (more epochs where an epoch is a step or two: few labelled spectra)',
  },
  autoAugment: {
    type: 'boolean',
    default: DEFAULT_AUTO_SETTINGS.augmentation !== null,
    description: 'The automatic mode also tries its best learning rate with fine-tuning augmentation, and keeps it if it validates better',
  },
  autoProbe: {
    type: 'enum',
    values: ['none', ...BASELINE_PLUGINS.map((p) => p.name)],
    default: 'pls-da',
    description:
      'With a pre-trained encoder, the automatic mode also validates this baseline (tuned) on the frozen encoder\'s embeddings, on the ' +
      'same inner folds, and predicts with it where its pooled validation accuracy beats the fine-tuned network\'s; none: fine-tuning only',
  },
  autoProbeDepths: {
    type: 'integerArray',
    default: [1, 2, 3],
    minLength: 1,
    min: 1,
    max: 8,
    description: 'Encoder blocks whose embeddings the automatic mode\'s probe is validated on',
  },
  autoEnsemble: {
    type: 'boolean',
    default: DEFAULT_AUTO_SETTINGS.ensemble,
    description:
      'The automatic mode predicts with the mean probabilities of its validated inner networks (one per inner fold), or with one ' +
      'inner fold of the validated inner model and the refit; false: with the winner refitted on every labelled row alone',
  },
};


/** The state when the automatic mode chose a probe on the frozen encoder over the fine-tuned network. */
interface ProbeHeadState {
  readonly head: 'probe';
  readonly probe: string;
  readonly depth: number;
  readonly state: unknown;
}

interface ClassifierState {
  readonly inputLength: number;
  readonly nClasses: number;
  readonly scaler: ScalerState;
  readonly weights: string;
  /** Further ensemble members (each with the scaler of the rows it was trained on); absent for one network. */
  readonly ensembleMembers?: { scaler: ScalerState; weights: string }[];
}

/**
 * The CNN classifier of METHOD.md (ClassifierPlugin): fit() pre-trains the encoder on the
 * training spectra (ssl: true), or starts from an encoder given by setPretrainedEncoder(), or from
 * scratch; then fine-tunes encoder + head. Progress stages: "pretext", then "finetune".
 */
export class CnnClassifierPlugin implements ClassifierPlugin, SslPretrainable {
  /** The fitted network, or the members of an ensemble (the first one also embeds). */
  private models: ClassifierModel[] = [];
  /** Instead of the network: the automatic mode's probe on the frozen pre-trained encoder. */
  private probeHead: SslEmbeddingProbePlugin | null = null;
  private pending: ClassifierState | null = null;
  private pretrained: EncoderState | null = null;
  private history: TrainingProgress[] = [];
  /** The automatic mode's scaling, once chosen (before pre-training, which depends on it). */
  private chosenScaling: ScalingMode | null = null;
  /** From scratch: the scaling choice's winning networks, the learning-rate search's first candidate. */
  private scalingWinner: (TrainedCandidate & { x: Matrix; y: Int32Array }) | null = null;
  private choices: Partial<AutoChoices> & { head?: HeadChoice } = {};
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
      augmentation: this.params.augmentation ? this.augmentationParams : null,
    };
  }

  private get augmentationParams(): Augmentation {
    return {
      offset: this.params.augmentOffset as number,
      multiplication: this.params.augmentMultiplication as number,
      slope: this.params.augmentSlope as number,
    };
  }

  get isAuto(): boolean {
    return this.params.auto === true;
  }

  get autoSettings(): AutoSettings {
    return {
      scalings: this.params.autoScalings as ScalingMode[],
      learningRates: this.params.autoLearningRates as number[],
      innerFolds: this.params.autoInnerFolds as number,
      validationFraction: this.params.validationFraction as number,
      patience: (this.params.earlyStoppingPatience as number | null) ?? (this.params.autoPatience as number),
      patienceSteps: this.params.autoPatienceSteps as number,
      seed: (this.params.seed as number) + 7,
      augmentation: this.params.autoAugment ? this.augmentationParams : null,
      ensemble: this.params.autoEnsemble as boolean,
    };
  }

  get probeSettings(): ProbeHeadSettings {
    const probe = this.params.autoProbe as string;
    return { probe: probe === 'none' || !this.params.ssl ? null : probe, depths: this.params.autoProbeDepths as number[] };
  }

  get isFitted(): boolean {
    return this.models.length > 0 || this.pending !== null || this.probeHead !== null;
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
    const fromScratch = !this.params.ssl && !this.pretrained;
    const splits = innerSplits(y, settings, options.groups);
    const { winner, ...scaling } = await chooseScaling(x, y, nClasses, this.config, settings, splits, options, fromScratch);
    this.chosenScaling = scaling.chosen;
    this.scalingWinner = winner ? { ...winner, x, y } : null;
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
    let encoder: EncoderState | null = null;
    if (this.pretrained) {
      if (this.pretrained.inputLength !== x.cols) {
        throw new UserInputError(`${this.meta.name}: pre-trained encoder is for ${this.pretrained.inputLength} points, got ${x.cols}`);
      }
      encoder = this.pretrained;
    } else if (this.params.ssl) {
      const { model } = await PretextModel.train(x, pretextConfigFrom(this.pretextParams()), createSslTransform, { signal: options.signal, onProgress });
      try {
        encoder = CnnEncoderPlugin.stateFrom(model.inputLength, model.scaler, model.encoderBytes());
      } finally {
        model.dispose();
      }
    }
    const encoderBytes = encoder ? base64ToBytes(encoder.weights, this.meta.name) : null;
    if (this.isAuto) {
      const settings = this.autoSettings;
      // Only networks trained on these very rows can stand in for a candidate.
      const winner = this.scalingWinner;
      const trained = !encoderBytes && winner?.x === x && winner.y === y ? winner : null;
      this.releaseScalingWinner(trained);
      const splits = innerSplits(y, settings, options.groups);
      const tuned = await autoFinetune(x, y, nClasses, this.config, encoderBytes, settings, splits, progressOptions, trained);
      this.adopt(tuned.models, history);
      this.choices = { ...this.choices, ...tuned.choices };
      this.warnings = tuned.warnings;
      if (encoder && this.probeSettings.probe) await this.chooseHead(x, y, nClasses, encoder, splits, tuned.score, options);
      return;
    }
    const { model, result } = await ClassifierModel.train(x, y, nClasses, this.config, {
      pretrainedEncoder: encoderBytes,
      signal: options.signal,
      onProgress,
    });
    this.adopt([model], history);
    this.warnings = trainingWarnings(model, result, x, y);
  }

  /**
   * Validates the probe on the frozen encoder at each depth on the fine-tuning's inner splits; a
   * winner is refitted on every labelled row and replaces the fine-tuned networks.
   */
  private async chooseHead(
    x: Matrix,
    y: Int32Array,
    nClasses: number,
    encoder: EncoderState,
    splits: readonly InnerSplit[],
    network: CandidateScore,
    options: FitOptions,
  ): Promise<void> {
    const { probe, depths } = this.probeSettings;
    const probes = [];
    for (const depth of depths) probes.push(await scoreProbe(probeParams(this.params, probe!, depth), encoder, x, y, nClasses, splits, options));
    const winner = chooseHead(network, probes);
    const candidates = [{ ...network, candidate: FINE_TUNED }, ...probes];
    const head: HeadChoice = winner < 0 ? { chosen: FINE_TUNED, candidates } : { chosen: probes[winner].candidate, probe: probe!, depth: depths[winner], candidates };
    this.choices = { ...this.choices, head };
    if (winner < 0) return;
    const fitted = await fitProbe(probeParams(this.params, probe!, depths[winner]), encoder, x, y, nClasses, options);
    this.adopt([], this.history, fitted);
    // The networks' own warnings no longer describe the model that predicts.
    this.warnings = [];
  }

  /** Hands the scaling choice's networks on (to `keep`) or disposes them. */
  private releaseScalingWinner(keep: TrainedCandidate | null): void {
    if (this.scalingWinner && this.scalingWinner !== keep) for (const model of this.scalingWinner.models) model.dispose();
    this.scalingWinner = null;
  }

  fitSummary(): FitSummary {
    return { choices: { ...this.choices }, warnings: [...this.warnings] };
  }

  private adopt(models: ClassifierModel[], history: TrainingProgress[], probeHead: SslEmbeddingProbePlugin | null = null): void {
    for (const previous of this.models) if (!models.includes(previous)) previous.dispose();
    this.pending = null;
    this.models = models;
    this.probeHead = probeHead;
    this.history = history;
  }

  async predictProba(x: Matrix): Promise<Matrix> {
    if (this.probeHead) return this.probeHead.predictProba(x);
    const [first, ...rest] = await this.fitted();
    checkPredictWidth(this.meta.name, x, first.inputLength);
    const proba = first.predictProba(x);
    if (rest.length === 0) return proba;
    for (const member of rest) {
      const other = member.predictProba(x);
      for (let i = 0; i < proba.data.length; i++) proba.data[i] += other.data[i];
    }
    for (let i = 0; i < proba.data.length; i++) proba.data[i] /= rest.length + 1;
    return proba;
  }

  async predict(x: Matrix): Promise<Int32Array> {
    const proba = await this.predictProba(x);
    return argmaxRows(proba.data, proba.rows, proba.cols);
  }

  /** Features after encoder block `depth` (1-based) of the (first) fine-tuned network, or of the probe's frozen encoder. */
  async embed(x: Matrix, depth: number): Promise<Matrix> {
    if (this.probeHead) return this.probeHead.embed(x, depth);
    return (await this.fitted())[0].embed(x, depth);
  }

  getState(): unknown {
    if (this.probeHead) {
      const { probe, depth } = this.probeHead.params as { probe: string; depth: number };
      const state: ProbeHeadState = { head: 'probe', probe, depth, state: this.probeHead.getState() };
      return state;
    }
    if (this.pending) return this.pending;
    const [first, ...rest] = this.models;
    if (!first) return null;
    const state: ClassifierState = {
      inputLength: first.inputLength,
      nClasses: first.nClasses,
      scaler: first.scaler,
      weights: bytesToBase64(first.toBytes()),
      ...(rest.length > 0 ? { ensembleMembers: rest.map((m) => ({ scaler: m.scaler, weights: bytesToBase64(m.toBytes()) })) } : {}),
    };
    return state;
  }

  setState(state: unknown): void {
    this.dispose();
    if (state === null || state === undefined) return;
    if ((state as Partial<ProbeHeadState>).head === 'probe') {
      const { probe, depth, state: probeState } = state as ProbeHeadState;
      if (typeof probe !== 'string' || !Number.isInteger(depth)) throw new UserInputError(`${this.meta.name}: invalid probe head state`);
      const restored = createProbe(probeParams(this.params, probe, depth), null);
      restored.setState(probeState);
      this.probeHead = restored;
      return;
    }
    const s = state as Partial<ClassifierState>;
    positiveInteger(s.inputLength, 'inputLength', this.meta.name);
    positiveInteger(s.nClasses, 'nClasses', this.meta.name);
    checkScaler(s.scaler, this.meta.name);
    base64ToBytes(s.weights, this.meta.name);
    if (s.ensembleMembers !== undefined) {
      if (!Array.isArray(s.ensembleMembers)) throw new UserInputError(`${this.meta.name}: ensembleMembers must be a list`);
      for (const member of s.ensembleMembers) {
        checkScaler(member?.scaler, this.meta.name);
        base64ToBytes(member.weights, this.meta.name);
      }
    }
    this.pending = s as ClassifierState;
  }

  dispose(): void {
    this.releaseScalingWinner(null);
    for (const model of this.models) model.dispose();
    this.models = [];
    this.probeHead = null;
    this.pending = null;
  }

  private async fitted(): Promise<ClassifierModel[]> {
    await initBackend();
    if (this.pending) {
      const s = this.pending;
      const restore = ({ scaler, weights }: { scaler: ScalerState; weights: string }): ClassifierModel =>
        ClassifierModel.fromBytes(this.config, s.inputLength, s.nClasses, scaler, base64ToBytes(weights, this.meta.name));
      this.models = [{ scaler: s.scaler, weights: s.weights }, ...(s.ensembleMembers ?? [])].map(restore);
      this.pending = null;
    }
    if (this.models.length === 0) throw new UserInputError(`${this.meta.name}: fit it (or restore its state) first`);
    return this.models;
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
