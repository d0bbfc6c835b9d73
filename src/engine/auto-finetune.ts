import { UserInputError } from '../errors';
import { selectRows, type Matrix } from '../numeric/matrix';
import { classCounts, stratifiedHoldout } from '../numeric/splits';
import type { FitOptions, TrainingProgress } from './training';
import { ClassifierModel, type ClassifierConfig } from './classifier';
import { SPECTRAL_AUGMENTATION, type Augmentation } from './augmentation';
import type { ScalingMode } from './scaling';
import type { LoopResult } from './train-loop';

/**
 * Honest auto-configuration of the CNN classifier: every choice (input scaling, learning rate,
 * fine-tuning length) is made on an inner validation split of the labelled training rows, never
 * on test rows; a network that learned nothing is detected rather than stored silently.
 */
export interface AutoSettings {
  /** Input scalings compared (by training the network from scratch on the inner split). */
  readonly scalings: readonly ScalingMode[];
  /** Learning rates compared for fine-tuning, in order of preference on ties. */
  readonly learningRates: readonly number[];
  /** Share of the labelled rows held out for inner validation. */
  readonly validationFraction: number;
  /** Epochs without a lower validation loss before an inner run stops. */
  readonly patience: number;
  /** Seed of the inner split. */
  readonly seed: number;
  /** Also try the best learning rate with this fine-tuning augmentation (null: never). */
  readonly augmentation: Augmentation | null;
  /** Predict with the mean probabilities of the validated inner model and the refit. */
  readonly ensemble: boolean;
}

/** The automatic mode's defaults: the settings its studies are run with. */
export const DEFAULT_AUTO_SETTINGS: Omit<AutoSettings, 'seed'> = {
  scalings: ['global', 'autoscale'],
  learningRates: [3e-4, 1e-4],
  validationFraction: 0.2,
  patience: 20,
  augmentation: SPECTRAL_AUGMENTATION,
  ensemble: true,
};

/** One candidate's inner-validation result. */
export interface CandidateScore {
  readonly candidate: string;
  readonly valAccuracy: number;
  readonly valLoss: number;
  readonly bestEpoch: number;
  readonly epochsRun: number;
  /** False when it did no better than the majority class or its loss never fell. */
  readonly learned: boolean;
}

/** What the automatic mode decided for one fit, stored with the fold. */
export interface AutoChoices {
  readonly fitRows: number;
  readonly validationRows: number;
  readonly batchSize: number;
  scaling?: { chosen: ScalingMode; candidates: CandidateScore[] };
  learningRate?: { chosen: number; candidates: CandidateScore[] };
  /** Whether fine-tuning augmentation won on the inner split (absent: not compared). */
  augmentation?: boolean;
  /** Fine-tuning epochs of the final model (the best inner epoch). */
  epochs?: number;
  /**
   * 'ensemble': mean of the inner model and the refit on every labelled row; 'refit': the refit
   * alone; 'inner': the refit failed, the validated inner model was kept.
   */
  final?: 'ensemble' | 'refit' | 'inner';
}

export interface InnerSplit {
  readonly fit: Int32Array;
  readonly validation: Int32Array;
}

export function innerSplit(y: Int32Array, settings: AutoSettings, groups?: readonly (string | number)[] | null): InnerSplit {
  const { train, test } = stratifiedHoldout(y, settings.validationFraction, settings.seed, groups);
  if (test.length === 0) throw new UserInputError('too few labelled spectra for an inner validation split (every class needs two rows or groups)');
  return { fit: train, validation: test };
}

/** Mini-batches small enough that a small training set still takes several steps per epoch. */
export function autoBatchSize(rows: number, batchSize: number): number {
  return Math.max(2, Math.min(batchSize, Math.max(8, Math.floor(rows / 4))));
}

export function majorityRate(y: Int32Array): number {
  return y.length === 0 ? 0 : Math.max(...classCounts(y)) / y.length;
}

/** Scores an inner run at its best epoch (the weights early stopping restored). */
export function scoreRun(candidate: string, result: LoopResult, yValidation: Int32Array): CandidateScore {
  const best = result.history[result.bestEpoch - 1] ?? result.history[result.history.length - 1];
  const valAccuracy = best?.extra?.valAccuracy ?? 0;
  const valLoss = best?.extra?.valLoss ?? Infinity;
  const learned = Number.isFinite(valLoss) && lossFell(result.history) && valAccuracy > majorityRate(yValidation) + 1e-9;
  return { candidate, valAccuracy, valLoss, bestEpoch: result.bestEpoch, epochsRun: result.epochsRun, learned };
}

/** Higher validation accuracy wins, then lower validation loss, then the earlier candidate. */
export function bestCandidate(scores: readonly CandidateScore[]): number {
  let best = 0;
  for (let i = 1; i < scores.length; i++) {
    const a = scores[i];
    const b = scores[best];
    if (a.learned !== b.learned ? a.learned : a.valAccuracy > b.valAccuracy + 1e-9 || (Math.abs(a.valAccuracy - b.valAccuracy) <= 1e-9 && a.valLoss < b.valLoss)) {
      best = i;
    }
  }
  return best;
}

function lossFell(history: readonly TrainingProgress[]): boolean {
  if (history.length === 0) return false;
  const first = history[0].loss;
  let lowest = Infinity;
  for (const p of history) {
    if (!Number.isFinite(p.loss)) return false;
    lowest = Math.min(lowest, p.loss);
  }
  return history.length === 1 ? Number.isFinite(first) : lowest < first * 0.98;
}

/**
 * Why a trained network should not be trusted, if it should not: a loss that never fell or became
 * non-finite, or predictions on its own training rows no better than the majority class.
 */
export function trainingWarnings(model: ClassifierModel, result: LoopResult, x: Matrix, y: Int32Array): string[] {
  const warnings: string[] = [];
  if (!result.history.every((p) => Number.isFinite(p.loss))) warnings.push('the training loss became non-finite');
  else if (!lossFell(result.history)) warnings.push(`the training loss never fell (${result.history[0]?.loss.toFixed(4)} at epoch 1)`);
  const predicted = model.predict(x);
  let hits = 0;
  for (let i = 0; i < y.length; i++) if (predicted[i] === y[i]) hits++;
  const rate = majorityRate(y);
  if (hits / Math.max(1, y.length) <= rate + 1e-9) {
    warnings.push(`the network does no better than the majority class on its own training spectra (accuracy ${(hits / y.length).toFixed(3)}, majority ${rate.toFixed(3)})`);
  }
  return warnings;
}

interface InnerRun {
  readonly x: Matrix;
  readonly y: Int32Array;
  readonly nClasses: number;
  readonly split: InnerSplit;
  readonly options: FitOptions;
}

async function trainCandidate(
  run: InnerRun,
  config: ClassifierConfig,
  candidate: string,
  encoder: Uint8Array | null,
): Promise<{ model: ClassifierModel; score: CandidateScore }> {
  const { x, y, nClasses, split, options } = run;
  const yValidation = Int32Array.from(split.validation, (i) => y[i]);
  const { model, result } = await ClassifierModel.train(selectRows(x, split.fit), Int32Array.from(split.fit, (i) => y[i]), nClasses, config, {
    pretrainedEncoder: encoder,
    validation: { x: selectRows(x, split.validation), y: yValidation },
    stage: 'select',
    signal: options.signal,
    onProgress: options.onProgress,
  });
  return { model, score: scoreRun(candidate, result, yValidation) };
}

function innerConfig(base: ClassifierConfig, settings: AutoSettings, fitRows: number): ClassifierConfig {
  return {
    ...base,
    batchSize: autoBatchSize(fitRows, base.batchSize),
    earlyStopping: { patience: settings.patience, minDelta: 0, restoreBest: true },
  };
}

/** Chooses the input scaling by training the network from scratch with each candidate. */
export async function chooseScaling(
  x: Matrix,
  y: Int32Array,
  nClasses: number,
  base: ClassifierConfig,
  settings: AutoSettings,
  split: InnerSplit,
  options: FitOptions = {},
): Promise<{ chosen: ScalingMode; candidates: CandidateScore[] }> {
  if (settings.scalings.length === 1) return { chosen: settings.scalings[0], candidates: [] };
  const config = { ...innerConfig(base, settings, split.fit.length), adam: { ...base.adam, learningRate: settings.learningRates[0] } };
  const candidates: CandidateScore[] = [];
  for (const scaling of settings.scalings) {
    const { model, score } = await trainCandidate({ x, y, nClasses, split, options }, { ...config, scaling, freezeEncoder: false }, scaling, null);
    model.dispose();
    candidates.push(score);
  }
  return { chosen: settings.scalings[bestCandidate(candidates)], candidates };
}

/**
 * Fine-tunes with each learning rate on the inner split (early stopping on the validation loss,
 * best weights restored), then the best rate with augmentation when the settings ask, and retrains
 * the winner on every labelled row for its best epoch count. The final model is that refit, or the
 * mean of it and the validated inner model (settings.ensemble). When no candidate learned, or the
 * refit did not, the fold gets a warning; a failed refit falls back to the inner model.
 */
export async function autoFinetune(
  x: Matrix,
  y: Int32Array,
  nClasses: number,
  base: ClassifierConfig,
  encoder: Uint8Array | null,
  settings: AutoSettings,
  split: InnerSplit,
  options: FitOptions = {},
): Promise<{ models: ClassifierModel[]; choices: AutoChoices; warnings: string[] }> {
  const config = innerConfig(base, settings, split.fit.length);
  const choices: AutoChoices = { fitRows: split.fit.length, validationRows: split.validation.length, batchSize: config.batchSize };
  const warnings: string[] = [];
  const candidates: CandidateScore[] = [];
  const configs: ClassifierConfig[] = [];
  let kept: { model: ClassifierModel; index: number } | null = null;
  const tryCandidate = async (candidate: ClassifierConfig, name: string): Promise<void> => {
    const { model, score } = await trainCandidate({ x, y, nClasses, split, options }, candidate, name, encoder);
    candidates.push(score);
    configs.push(candidate);
    if (bestCandidate(candidates) === candidates.length - 1) {
      kept?.model.dispose();
      kept = { model, index: candidates.length - 1 };
    } else {
      model.dispose();
    }
  };
  try {
    for (const learningRate of settings.learningRates) {
      await tryCandidate({ ...config, adam: { ...config.adam, learningRate } }, String(learningRate));
    }
    const bestRate = configs[kept!.index];
    if (settings.augmentation && !base.augmentation) {
      await tryCandidate({ ...bestRate, augmentation: settings.augmentation }, `${bestRate.adam.learningRate} + augmentation`);
      choices.augmentation = kept!.index === candidates.length - 1;
    }
    const winner = configs[kept!.index];
    const best = candidates[kept!.index];
    choices.learningRate = { chosen: winner.adam.learningRate, candidates };
    choices.epochs = best.bestEpoch;
    if (!best.learned) {
      warnings.push(
        `no learning rate taught the network anything on the inner validation split (best validation accuracy ${best.valAccuracy.toFixed(3)}, majority ${majorityRate(Int32Array.from(split.validation, (i) => y[i])).toFixed(3)})`,
      );
    }
    const refit = await ClassifierModel.train(x, y, nClasses, {
      ...winner,
      batchSize: autoBatchSize(x.rows, base.batchSize),
      epochs: best.bestEpoch,
      earlyStopping: null,
    }, { pretrainedEncoder: encoder, signal: options.signal, onProgress: options.onProgress });
    const refitWarnings = trainingWarnings(refit.model, refit.result, x, y);
    const inner = kept!.model;
    kept = null;
    if (refitWarnings.length === 0 || !best.learned) {
      warnings.push(...refitWarnings);
      if (settings.ensemble && best.learned) {
        choices.final = 'ensemble';
        return { models: [inner, refit.model], choices, warnings };
      }
      choices.final = 'refit';
      inner.dispose();
      return { models: [refit.model], choices, warnings };
    }
    refit.model.dispose();
    choices.final = 'inner';
    warnings.push(`the final refit on every labelled row failed (${refitWarnings.join('; ')}); the validated inner model is used`);
    return { models: [inner], choices, warnings };
  } catch (error) {
    (kept as { model: ClassifierModel } | null)?.model.dispose();
    throw error;
  }
}
