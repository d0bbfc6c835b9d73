import { UserInputError } from '../errors';
import { selectRows, type Matrix } from '../numeric/matrix';
import { classCounts, innerKFold, stratifiedHoldout } from '../numeric/splits';
import type { FitOptions, TrainingProgress } from './training';
import { ClassifierModel, type ClassifierConfig } from './classifier';
import type { Augmentation } from './augmentation';
import type { ScalingMode } from './scaling';
import { MIN_BATCH, type LoopResult } from './train-loop';
import { PooledStopping } from './pooled-stopping';

/**
 * Honest auto-configuration of the CNN classifier: every choice (input scaling, learning rate,
 * fine-tuning length) is made by inner validation on the labelled training rows, never on test
 * rows; a network that learned nothing is detected rather than stored silently.
 *
 * With k inner folds (the default) each candidate is trained k times side by side, each run
 * validated on the fold it did not see; all k stop together at the epoch of the lowest pooled
 * validation loss (best weights restored) and the candidate is judged on that pooled
 * validation, so that every labelled row counts in every choice; the winner is then refitted on
 * every labelled row for its best inner epoch (or, with settings.ensemble, its k networks predict
 * together). With one inner "fold" the choice is made on a single stratified hold-out split.
 */
export interface AutoSettings {
  /** Input scalings compared (by training the network from scratch on the inner split). */
  readonly scalings: readonly ScalingMode[];
  /** Learning rates compared for fine-tuning, in order of preference on ties. */
  readonly learningRates: readonly number[];
  /** Inner cross-validation folds the choices are made on; 1: one hold-out split of validationFraction. */
  readonly innerFolds: number;
  /** Share of the labelled rows held out for inner validation when innerFolds is 1. */
  readonly validationFraction: number;
  /** Epochs without a lower (pooled) validation loss before the inner runs stop. */
  readonly patience: number;
  /**
   * The patience is at least this many optimiser steps. With a few labelled rows an epoch is one
   * step, and the pooled loss sits at its untrained value for the first 20-40 steps: a patience
   * counted in epochs alone stopped such runs before the network had moved.
   */
  readonly patienceSteps: number;
  /** Seed of the inner split. */
  readonly seed: number;
  /** Also try the best learning rate with this fine-tuning augmentation (null: never). */
  readonly augmentation: Augmentation | null;
  /**
   * Predict with an ensemble: the winner's k inner networks (innerFolds > 1), or the validated inner
   * model and the refit (innerFolds 1). False: the refit on every labelled row alone.
   */
  readonly ensemble: boolean;
}

/** The automatic mode's defaults: the settings its studies are run with. */
export const DEFAULT_AUTO_SETTINGS: Omit<AutoSettings, 'seed'> = {
  scalings: ['global', 'autoscale'],
  learningRates: [3e-4, 1e-4],
  innerFolds: 3,
  validationFraction: 0.2,
  patience: 20,
  // tablet_raman at 10 % (6 rows per inner fit, one step per epoch): the pooled validation loss
  // first fell after 30-60 steps and was lowest after 60-170 (inner curves, bench/inner-curves.ts).
  patienceSteps: 100,
  // Off: on Tablet at 10 and 20 % of the labels it never validated better in accuracy than the
  // best plain rate (won 2 folds of 7 on the loss alone), at a fifth of the search's cost.
  augmentation: null,
  // The refit on every labelled row: one level of nesting below the outer folds (training rows
  // only, bench/final-model.ts) it classified as many held-out spectra as the cross-fit ensemble on
  // Tablet at 100 % (469 of 496 both) and more where few are labelled (Tablet 20 %, Mango 20 %),
  // where each cross-fit network sees two thirds of an already small set.
  ensemble: false,
};

/** One candidate's inner-validation result (pooled over the inner folds). */
export interface CandidateScore {
  readonly candidate: string;
  readonly valAccuracy: number;
  readonly valLoss: number;
  /** The best epoch (the median over the inner folds). */
  readonly bestEpoch: number;
  /** Epochs trained, summed over the inner folds. */
  readonly epochsRun: number;
  /** Each inner fold's best epoch, when they differ (absent with a single split or pooled stopping). */
  readonly foldEpochs?: number[];
  /** False when it did no better than the majority class or its loss never fell. */
  readonly learned: boolean;
}

/** What the automatic mode decided for one fit, stored with the fold. */
export interface AutoChoices {
  /** Labelled rows each inner run trained on (the smallest over the inner folds). */
  readonly fitRows: number;
  /** Labelled rows validated on (pooled over the inner folds). */
  readonly validationRows: number;
  /** Inner folds the choices were made on (1: one hold-out split). */
  readonly innerFolds: number;
  readonly batchSize: number;
  /** Epochs without a lower pooled validation loss before the inner runs stopped. */
  readonly patience: number;
  scaling?: { chosen: ScalingMode; candidates: CandidateScore[] };
  learningRate?: { chosen: number; candidates: CandidateScore[] };
  /** Whether fine-tuning augmentation won on the inner split (absent: not compared). */
  augmentation?: boolean;
  /** Fine-tuning epochs of the final model (the best inner epoch; the median over inner folds). */
  epochs?: number;
  /** The winner's best epoch in each inner fold (absent with one split). */
  innerEpochs?: number[];
  /**
   * 'cross-fit': mean of the winner's inner networks (one per inner fold); 'ensemble': mean of the
   * inner model and the refit on every labelled row; 'refit': the refit alone; 'inner': the refit
   * failed, the validated inner model(s) were kept.
   */
  final?: 'cross-fit' | 'ensemble' | 'refit' | 'inner';
}

export interface InnerSplit {
  readonly fit: Int32Array;
  readonly validation: Int32Array;
}

/** The inner validation splits of the labelled rows: k stratified (grouped) folds, or one hold-out split. */
export function innerSplits(y: Int32Array, settings: AutoSettings, groups?: readonly (string | number)[] | null): InnerSplit[] {
  const folds = settings.innerFolds > 1
    ? innerKFold(y, settings.innerFolds, settings.seed, groups)
    : [stratifiedHoldout(y, settings.validationFraction, settings.seed, groups)].filter((fold) => fold.test.length > 0);
  if (folds.length === 0) throw new UserInputError('too few labelled spectra for inner validation (a class needs two rows or groups to be validated on)');
  return folds.map(({ train, test }) => ({ fit: train, validation: test }));
}

/** Optimiser steps of one epoch over `rows` rows (a last batch of one row is skipped). */
export function stepsPerEpoch(rows: number, batchSize: number): number {
  return Math.floor(rows / batchSize) + (rows % batchSize >= MIN_BATCH ? 1 : 0);
}

/** The inner runs' patience in epochs: settings.patience, or more where that is fewer than settings.patienceSteps steps. */
export function innerPatience(settings: AutoSettings, fitRows: number, batchSize: number): number {
  return Math.max(settings.patience, Math.ceil(settings.patienceSteps / Math.max(1, stepsPerEpoch(fitRows, batchSize))));
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

/**
 * Pools inner-fold scores: accuracy and loss weighted by each fold's validation rows. The pooled
 * candidate learned when its pooled accuracy beats the majority rate of the pooled validation
 * labels and most of its runs learned.
 */
export function poolScores(candidate: string, scores: readonly CandidateScore[], validationLabels: readonly Int32Array[]): CandidateScore {
  if (scores.length === 1) return { ...scores[0], candidate };
  const sizes = validationLabels.map((labels) => labels.length);
  const total = sizes.reduce((a, b) => a + b, 0);
  const weighted = (pick: (s: CandidateScore) => number): number => scores.reduce((sum, s, i) => sum + pick(s) * sizes[i], 0) / total;
  const foldEpochs = scores.map((s) => s.bestEpoch);
  const sameEpoch = foldEpochs.every((epoch) => epoch === foldEpochs[0]);
  const sorted = [...foldEpochs].sort((a, b) => a - b);
  const valAccuracy = weighted((s) => s.valAccuracy);
  const pooledLabels = Int32Array.from(validationLabels.flatMap((labels) => Array.from(labels)));
  return {
    candidate,
    valAccuracy,
    valLoss: weighted((s) => s.valLoss),
    bestEpoch: sorted[Math.floor((sorted.length - 1) / 2)],
    epochsRun: scores.reduce((sum, s) => sum + s.epochsRun, 0),
    ...(sameEpoch ? {} : { foldEpochs }),
    learned: valAccuracy > majorityRate(pooledLabels) + 1e-9 && scores.filter((s) => s.learned).length * 2 > scores.length,
  };
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
  const majority = noBetterThanMajority(model, x, y);
  if (majority) warnings.push(`the network ${majority}`);
  return warnings;
}

/** "does no better than the majority class ..." when the model's predictions on (x, y) do not beat it; else null. */
function noBetterThanMajority(model: ClassifierModel, x: Matrix, y: Int32Array): string | null {
  const predicted = model.predict(x);
  let hits = 0;
  for (let i = 0; i < y.length; i++) if (predicted[i] === y[i]) hits++;
  const rate = majorityRate(y);
  if (hits / Math.max(1, y.length) > rate + 1e-9) return null;
  return `does no better than the majority class on its own training spectra (accuracy ${(hits / y.length).toFixed(3)}, majority ${rate.toFixed(3)})`;
}

interface InnerRun {
  readonly x: Matrix;
  readonly y: Int32Array;
  readonly nClasses: number;
  readonly splits: readonly InnerSplit[];
  readonly options: FitOptions;
}

/** A candidate trained once per inner split, each run validated on the rows it did not see. */
interface CrossFit {
  readonly models: ClassifierModel[];
  readonly score: CandidateScore;
}

function disposeAll(fit: CrossFit | null): void {
  for (const model of fit?.models ?? []) model.dispose();
}

async function crossFit(run: InnerRun, config: ClassifierConfig, candidate: string, encoder: Uint8Array | null): Promise<CrossFit> {
  const { x, y, nClasses, splits, options } = run;
  const labels = splits.map((split) => Int32Array.from(split.validation, (i) => y[i]));
  // The inner runs train side by side and stop together, at the epoch of the lowest pooled loss.
  const stopping = new PooledStopping(labels.map((l) => l.length), config.earlyStopping?.patience ?? config.epochs);
  const settled = await Promise.allSettled(
    splits.map(async (split, k) => {
      try {
        return await ClassifierModel.train(selectRows(x, split.fit), Int32Array.from(split.fit, (i) => y[i]), nClasses, config, {
          pretrainedEncoder: encoder,
          validation: { x: selectRows(x, split.validation), y: labels[k] },
          stopping: stopping.member(k),
          stage: 'select',
          signal: options.signal,
          // Tagged with the inner fold and its validation rows, so a diagnostic can tell the interleaved runs apart.
          onProgress: options.onProgress && ((p) => options.onProgress!({ ...p, extra: { ...p.extra, innerFold: k, innerRows: labels[k].length } })),
        });
      } catch (error) {
        stopping.leave(k);
        throw error;
      }
    }),
  );
  const models = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value.model] : []));
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure) {
    for (const model of models) model.dispose();
    throw failure.reason;
  }
  const results = settled.map((s) => (s as PromiseFulfilledResult<{ result: LoopResult }>).value.result);
  return { models, score: poolScores(candidate, results.map((result, k) => scoreRun(candidate, result, labels[k])), labels) };
}

function innerConfig(base: ClassifierConfig, settings: AutoSettings, fitRows: number): ClassifierConfig {
  const batchSize = autoBatchSize(fitRows, base.batchSize);
  return {
    ...base,
    batchSize,
    earlyStopping: { patience: innerPatience(settings, fitRows, batchSize), minDelta: 0, restoreBest: true },
  };
}

function smallestFit(splits: readonly InnerSplit[]): number {
  return Math.min(...splits.map((split) => split.fit.length));
}

/**
 * A candidate already trained on the inner splits: the scaling choice's winner, from scratch at the
 * first learning rate, which the learning-rate search of a CNN from scratch would train again.
 */
export interface TrainedCandidate {
  readonly learningRate: number;
  readonly models: ClassifierModel[];
  readonly score: CandidateScore;
}

/**
 * Chooses the input scaling by training the network from scratch with each candidate on the inner
 * splits. With keepWinner the winner's networks are returned (the caller disposes them).
 */
export async function chooseScaling(
  x: Matrix,
  y: Int32Array,
  nClasses: number,
  base: ClassifierConfig,
  settings: AutoSettings,
  splits: readonly InnerSplit[],
  options: FitOptions = {},
  keepWinner = false,
): Promise<{ chosen: ScalingMode; candidates: CandidateScore[]; winner?: TrainedCandidate }> {
  if (settings.scalings.length === 1) return { chosen: settings.scalings[0], candidates: [] };
  const learningRate = settings.learningRates[0];
  const config = { ...innerConfig(base, settings, smallestFit(splits)), adam: { ...base.adam, learningRate } };
  const candidates: CandidateScore[] = [];
  let kept: CrossFit | null = null;
  try {
    for (const scaling of settings.scalings) {
      const fit = await crossFit({ x, y, nClasses, splits, options }, { ...config, scaling, freezeEncoder: false }, scaling, null);
      candidates.push(fit.score);
      if (keepWinner && bestCandidate(candidates) === candidates.length - 1) {
        disposeAll(kept);
        kept = fit;
      } else {
        disposeAll(fit);
      }
    }
  } catch (error) {
    disposeAll(kept);
    throw error;
  }
  const chosen = settings.scalings[bestCandidate(candidates)];
  return { chosen, candidates, ...(kept ? { winner: { learningRate, ...kept } } : {}) };
}

/**
 * Fine-tunes with each learning rate on the inner splits (early stopping on the validation loss,
 * best weights restored), then the best rate with augmentation when the settings ask. With k inner
 * folds the winner's k networks are the final model (settings.ensemble), or the winner is retrained
 * on every labelled row for its median best epoch; with one split the refit is kept alone or with
 * the validated inner model. When no candidate learned, or a final network did not, the fold gets
 * a warning; a failed refit falls back to the inner model(s). `trained` (from scratch only: no
 * encoder) stands in for its learning rate's candidate; it is disposed unless it is kept.
 */
export async function autoFinetune(
  x: Matrix,
  y: Int32Array,
  nClasses: number,
  base: ClassifierConfig,
  encoder: Uint8Array | null,
  settings: AutoSettings,
  splits: readonly InnerSplit[],
  options: FitOptions = {},
  trained: TrainedCandidate | null = null,
): Promise<{ models: ClassifierModel[]; choices: AutoChoices; warnings: string[]; score: CandidateScore; winner: ClassifierConfig }> {
  if (trained && encoder) throw new Error('a candidate trained from scratch cannot stand in for fine-tuning a pre-trained encoder');
  const config = innerConfig(base, settings, smallestFit(splits));
  const choices: AutoChoices = {
    fitRows: smallestFit(splits),
    validationRows: splits.reduce((n, split) => n + split.validation.length, 0),
    innerFolds: splits.length,
    batchSize: config.batchSize,
    patience: config.earlyStopping!.patience,
  };
  const warnings: string[] = [];
  const candidates: CandidateScore[] = [];
  const configs: ClassifierConfig[] = [];
  const run: InnerRun = { x, y, nClasses, splits, options };
  let kept: (CrossFit & { index: number }) | null = null;
  let unused = trained;
  const tryCandidate = async (candidate: ClassifierConfig, name: string): Promise<void> => {
    let fit: CrossFit;
    if (unused && unused.learningRate === candidate.adam.learningRate && !candidate.augmentation) {
      fit = { models: unused.models, score: { ...unused.score, candidate: name } };
      unused = null;
    } else {
      fit = await crossFit(run, candidate, name, encoder);
    }
    candidates.push(fit.score);
    configs.push(candidate);
    if (bestCandidate(candidates) === candidates.length - 1) {
      disposeAll(kept);
      kept = { ...fit, index: candidates.length - 1 };
    } else {
      disposeAll(fit);
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
    if (best.foldEpochs) choices.innerEpochs = best.foldEpochs;
    if (!best.learned) {
      const pooled = Int32Array.from(splits.flatMap((split) => Array.from(split.validation, (i) => y[i])));
      warnings.push(
        `no learning rate taught the network anything on the inner validation (best validation accuracy ${best.valAccuracy.toFixed(3)}, majority ${majorityRate(pooled).toFixed(3)})`,
      );
    }
    const inner = kept!.models;
    kept = null;
    if (splits.length > 1 && settings.ensemble) {
      choices.final = 'cross-fit';
      return { models: inner, choices, warnings: [...warnings, ...crossFitWarnings(inner, splits, x, y, best.learned)], score: best, winner };
    }
    const refit = await refitWinner(x, y, nClasses, winner, base.batchSize, best.bestEpoch, encoder, options);
    const refitWarnings = trainingWarnings(refit.model, refit.result, x, y);
    if (refitWarnings.length === 0 || !best.learned) {
      warnings.push(...refitWarnings);
      if (settings.ensemble && best.learned) {
        choices.final = 'ensemble';
        return { models: [...inner, refit.model], choices, warnings, score: best, winner };
      }
      choices.final = 'refit';
      for (const model of inner) model.dispose();
      return { models: [refit.model], choices, warnings, score: best, winner };
    }
    refit.model.dispose();
    choices.final = 'inner';
    warnings.push(`the final refit on every labelled row failed (${refitWarnings.join('; ')}); the validated inner model is used`);
    return { models: inner, choices, warnings, score: best, winner };
  } catch (error) {
    disposeAll(kept);
    throw error;
  } finally {
    disposeAll(unused);
  }
}

/**
 * The winning candidate trained again on every labelled row for a fixed number of epochs (no
 * validation rows are left to stop on).
 */
export async function refitWinner(
  x: Matrix,
  y: Int32Array,
  nClasses: number,
  winner: ClassifierConfig,
  batchSize: number,
  epochs: number,
  encoder: Uint8Array | null,
  options: FitOptions = {},
): Promise<{ model: ClassifierModel; result: LoopResult }> {
  return ClassifierModel.train(x, y, nClasses, {
    ...winner,
    batchSize: autoBatchSize(x.rows, batchSize),
    epochs,
    earlyStopping: null,
  }, { pretrainedEncoder: encoder, signal: options.signal, onProgress: options.onProgress });
}

/**
 * Warnings for the networks of a cross-fit ensemble, each checked on the rows it trained on (only
 * when the pooled validation said the candidate learned; otherwise that warning already stands).
 */
function crossFitWarnings(models: readonly ClassifierModel[], splits: readonly InnerSplit[], x: Matrix, y: Int32Array, learned: boolean): string[] {
  if (!learned) return [];
  const warnings: string[] = [];
  models.forEach((model, k) => {
    const fit = splits[k].fit;
    const majority = noBetterThanMajority(model, selectRows(x, fit), Int32Array.from(fit, (i) => y[i]));
    if (majority) warnings.push(`inner network ${k + 1} ${majority}`);
  });
  return warnings;
}
