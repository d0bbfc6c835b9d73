import { createHash } from 'node:crypto';
import { UserInputError } from '../../errors';
import { selectRows, type Matrix } from '../../numeric/matrix';
import {
  classwiseKennardStoneSplit,
  explicitSplit,
  groupStratifiedKFold,
  kennardStoneSplit,
  labelFractionSubset,
  stratifiedKFold,
  type Fold,
} from '../../numeric/splits';
import type { Params } from '../../plugins/params';
import type { PipelineStep } from '../../plugins/transforms/pipeline';

/**
 * What an experiment is: a dataset, an optional pre-processing pipeline, a model (any classifier
 * or baseline plugin with its parameters; the CNN classifier covers SSL and from-scratch) and a
 * protocol. Pure data: persisted as JSON, hashed, and enough to rerun the experiment exactly.
 */
export interface ExperimentSpec {
  readonly datasetId: string;
  readonly preprocessing: readonly PipelineStep[];
  readonly model: ModelSpec;
  readonly protocol: Protocol;
  /** After cross-validation, fit the pipeline and model on every row and store it as a model. */
  readonly trainFinalModel: boolean;
  /** What SSL pre-training uses beyond the training fold and the dataset's unlabelled rows (absent: nothing more). */
  readonly pretraining?: PretrainingSpec;
}

/**
 * SSL pre-training inputs. A fold always pre-trains on its training spectra and the dataset's
 * unlabelled spectra; never on its test spectra unless `transductive` says so.
 */
export interface PretrainingSpec {
  /** Extra datasets whose spectra (labels ignored) join pre-training, resampled onto the dataset's axis. */
  readonly datasetIds: readonly string[];
  /** Pre-training also sees the test fold's spectra (never their labels); every result states it. */
  readonly transductive: boolean;
  /** Start every fold from this stored encoder (pretrainEncoder) instead of pre-training. */
  readonly encoderId: string | null;
}

export interface ModelSpec {
  /** A plugin of kind classifier or baseline. */
  readonly plugin: string;
  readonly params: Params;
}

export interface Protocol {
  /** k of k-fold cross-validation. */
  readonly folds: number;
  /** Seed of the one shuffle (repeat r uses seed + r) and of every random choice in training. */
  readonly seed: number;
  /** Keep the rows of a group (the dataset's group column) in one fold. */
  readonly useGroups: boolean;
  /** Train on this stratified fraction of each training fold (pre-training still sees all of it). */
  readonly labelFraction: number | null;
  /** Repeats of the whole cross-validation with seeds seed, seed + 1, ... */
  readonly repeats: number;
  /**
   * How rows are split (absent: 'k-fold', stratified or grouped). The single splits
   * ('kennard-stone', 'kennard-stone-classwise', 'explicit') make one fold (`folds` is 1).
   */
  readonly split?: SplitMethod;
  /** Share of the rows tested by a Kennard-Stone split. */
  readonly testFraction?: number | null;
  /** An explicit split's training rows (dataset row numbers; absent: every other labelled row). */
  readonly trainRows?: readonly number[] | null;
  /** An explicit split's test rows (dataset row numbers). */
  readonly testRows?: readonly number[] | null;
}

export type SplitMethod = 'k-fold' | 'kennard-stone' | 'kennard-stone-classwise' | 'explicit';

/** A protocol that makes one train/test split rather than k folds. */
export function isSingleSplit(protocol: Pick<Protocol, 'split'>): boolean {
  return protocol.split !== undefined && protocol.split !== 'k-fold';
}

export const DEFAULT_PROTOCOL: Protocol = { folds: 5, seed: 0, useGroups: false, labelFraction: null, repeats: 1 };

/** One unit of work: fold f of repeat r, with its rows. */
export interface FoldPlan {
  readonly repeat: number;
  readonly fold: number;
  readonly train: Int32Array;
  /** The rows whose labels training may use (train itself unless labelFraction is set). */
  readonly labelled: Int32Array;
  readonly test: Int32Array;
}

/** Rows with a label (y >= 0), ascending. */
export function labelledRows(y: Int32Array): Int32Array {
  const rows: number[] = [];
  for (let i = 0; i < y.length; i++) if (y[i] >= 0) rows.push(i);
  return Int32Array.from(rows);
}

/** Rows without a label (y < 0), ascending: pre-training data only, never in a fold. */
export function unlabelledRows(y: Int32Array): Int32Array {
  const rows: number[] = [];
  for (let i = 0; i < y.length; i++) if (y[i] < 0) rows.push(i);
  return Int32Array.from(rows);
}

/**
 * The folds of every repeat; throws a UserInputError when the protocol cannot split the data.
 * Only labelled rows (y >= 0) are split: an unlabelled row is in no fold (neither trained on
 * with a label nor scored); the row numbers of the plans are the dataset's. A Kennard-Stone
 * split needs the spectra `x` (distances on the raw spectra).
 */
export function planFolds(protocol: Protocol, y: Int32Array, nClasses: number, groups: readonly string[] | null, x: Matrix | null = null): FoldPlan[] {
  const rows = labelledRows(y);
  if (protocol.split === 'explicit') return planExplicit(protocol, y, rows, nClasses);
  if (rows.length === y.length) return planLabelledFolds(protocol, y, nClasses, groups, x);
  const sub = Int32Array.from(rows, (i) => y[i]);
  const subGroups = groups ? Array.from(rows, (i) => groups[i]) : null;
  const toRows = (positions: Int32Array) => Int32Array.from(positions, (k) => rows[k]);
  return planLabelledFolds(protocol, sub, nClasses, subGroups, x ? selectRows(x, rows) : null).map((plan) => ({
    ...plan,
    train: toRows(plan.train),
    labelled: toRows(plan.labelled),
    test: toRows(plan.test),
  }));
}

function checkCommon(protocol: Protocol): void {
  const { seed, labelFraction, repeats } = protocol;
  if (!Number.isInteger(repeats) || repeats < 1 || repeats > 20) throw new UserInputError(`repeats must be an integer from 1 to 20, got ${repeats}`);
  if (!Number.isInteger(seed) || seed < 0) throw new UserInputError(`seed must be a non-negative integer, got ${seed}`);
  if (labelFraction !== null && !(labelFraction > 0 && labelFraction <= 1)) {
    throw new UserInputError(`labelFraction must be in (0, 1], got ${labelFraction}`);
  }
  if (isSingleSplit(protocol)) {
    if (repeats !== 1) throw new UserInputError(`a ${protocol.split} split is one fixed split: repeats must be 1, got ${repeats}`);
    if (protocol.useGroups) throw new UserInputError(`a ${protocol.split} split does not keep groups together: leave useGroups unset`);
  }
}

function labelledOf(split: Fold, protocol: Protocol, y: Int32Array, nClasses: number, repeat: number, fold: number): Int32Array {
  const { labelFraction, seed } = protocol;
  return labelFraction === null || labelFraction === 1 ? split.train : labelFractionSubset(split.train, y, labelFraction, seed + repeat * 1000 + fold, nClasses);
}

/** "Train on these rows, test on those": dataset row numbers, labelled rows only. */
function planExplicit(protocol: Protocol, y: Int32Array, rows: Int32Array, nClasses: number): FoldPlan[] {
  checkCommon(protocol);
  const split = explicitSplit(y.length, protocol.testRows ?? [], protocol.trainRows ?? null);
  for (const list of [split.train, split.test]) {
    for (const i of list) {
      if (y[i] < 0 && (protocol.trainRows || list === split.test)) throw new UserInputError(`row ${i} has no label: an explicit split trains and tests on labelled rows only`);
    }
  }
  const labelled = new Set(rows);
  const train = split.train.filter((i) => labelled.has(i));
  const fold = { train, test: split.test };
  return [{ repeat: 0, fold: 0, train, labelled: labelledOf(fold, protocol, y, nClasses, 0, 0), test: split.test }];
}

function planLabelledFolds(protocol: Protocol, y: Int32Array, nClasses: number, groups: readonly string[] | null, x: Matrix | null): FoldPlan[] {
  const { folds, seed, useGroups, repeats } = protocol;
  checkCommon(protocol);
  if (protocol.split === 'kennard-stone' || protocol.split === 'kennard-stone-classwise') {
    if (!x) throw new Error('a Kennard-Stone split needs the spectra');
    const fraction = protocol.testFraction ?? 0.25;
    const split = protocol.split === 'kennard-stone' ? kennardStoneSplit(x.data, x.cols, y, fraction) : classwiseKennardStoneSplit(x.data, x.cols, y, fraction);
    return [{ repeat: 0, fold: 0, train: split.train, labelled: labelledOf(split, protocol, y, nClasses, 0, 0), test: split.test }];
  }
  if (protocol.split !== undefined && protocol.split !== 'k-fold') throw new UserInputError(`unknown split "${String(protocol.split)}"`);
  if (!Number.isInteger(folds) || folds < 2 || folds > 50) throw new UserInputError(`folds must be an integer from 2 to 50, got ${folds}`);
  if (useGroups && !groups) throw new UserInputError('useGroups needs a dataset with a group column');
  const plans: FoldPlan[] = [];
  for (let repeat = 0; repeat < repeats; repeat++) {
    const splits: Fold[] = useGroups && groups ? groupStratifiedKFold(y, groups, folds, seed + repeat) : stratifiedKFold(y, folds, seed + repeat);
    splits.forEach((split, fold) => plans.push({ repeat, fold, train: split.train, labelled: labelledOf(split, protocol, y, nClasses, repeat, fold), test: split.test }));
  }
  return plans;
}

/** Canonical JSON (sorted keys), so that equal specs hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as Record<string, unknown>)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

export function specHash(spec: ExperimentSpec): string {
  return createHash('sha256').update(canonicalJson(spec)).digest('hex');
}

/** The model family used for filtering: "ssl" and "supervised" for the CNN, else the plugin name. */
export function modelFamily(model: ModelSpec): string {
  if (model.plugin === 'cnn-classifier') return model.params.ssl === false ? 'supervised' : 'ssl';
  return model.plugin;
}
