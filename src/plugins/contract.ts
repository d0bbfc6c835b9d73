import type { FitOptions } from '../engine/training';
import type { Matrix } from '../numeric/matrix';
import type { Rng } from '../numeric/rng';
import type { ParamSchema, Params } from './params';

/**
 * The plugin contract. A plugin is a definition (metadata + parameter schema + factory); an
 * instance is its configured, possibly fitted, object. Parameters are the whole configuration
 * (as in scikit-learn's estimators): `{ name, params, state }` rebuilds an instance exactly.
 */
export type PluginKind = 'transform' | 'encoder' | 'pretext' | 'classifier' | 'baseline';
export const PLUGIN_KINDS: readonly PluginKind[] = ['transform', 'encoder', 'pretext', 'classifier', 'baseline'];

export interface PluginMeta {
  /** Unique, kebab-case (e.g. "savitzky-golay"). */
  readonly name: string;
  readonly kind: PluginKind;
  /** One line: what it does. */
  readonly description: string;
  readonly params: ParamSchema;
  /** Free labels for filtering, e.g. "ssl", "preprocessing", "augmentation". */
  readonly tags?: readonly string[];
}

export interface PluginDefinition<T extends PluginInstance = PluginInstance> extends PluginMeta {
  /** Builds an instance from validated parameters (every default filled in). */
  create(params: Params): T;
}

export interface PluginInstance {
  readonly meta: PluginMeta;
  /** Validated parameters, defaults included. */
  readonly params: Readonly<Params>;
  /** Fitted state as JSON-serialisable data, or null when stateless or not fitted. */
  getState(): unknown;
  /** Restores fitted state produced by getState() of an instance with the same params. */
  setState(state: unknown): void;
}

/** The JSON form of an instance. */
export interface SerializedPlugin {
  readonly name: string;
  readonly kind: PluginKind;
  readonly params: Params;
  readonly state: unknown;
}

/**
 * A transform maps a batch of spectra (n x L) to a batch of spectra. Stateless transforms
 * (flips, noise) ignore fit; fitted ones (autoscale, MSC) learn from training data only and
 * throw if used before fit.
 */
export interface TransformPlugin extends PluginInstance {
  /** True when transform() needs fit() first. */
  readonly requiresFit: boolean;
  readonly isFitted: boolean;
  fit(x: Matrix): this;
  /**
   * Transforms a batch. Random transforms draw from `rng` (or, when omitted, from a generator
   * seeded with their `seed` parameter), never from Math.random. The input is not modified.
   */
  transform(x: Matrix, rng?: Rng): Matrix;
}

/** A progress report from a training loop (per epoch, or per fold stage). */
// Training's options and progress belong to the engine; plugins pass them through.
export type { FitOptions, TrainingProgress } from '../engine/training';

/** What a fit decided and what went wrong, stored with the fold and shown to the user. */
export interface FitSummary {
  /** Choices made on the training rows (inner validation, tuning), JSON. */
  readonly choices: Record<string, unknown>;
  /** Problems a user must know of (e.g. a network that learned nothing). */
  readonly warnings: readonly string[];
}

/**
 * A classifier (baselines and the CNN classifier): fit on spectra and class indices 0..C-1,
 * then predict class indices and per-class scores (rows sum to 1).
 */
export interface ClassifierPlugin extends PluginInstance {
  readonly isFitted: boolean;
  fit(x: Matrix, y: Int32Array, nClasses: number, options?: FitOptions): Promise<void>;
  predictProba(x: Matrix): Promise<Matrix>;
  predict(x: Matrix): Promise<Int32Array>;
  /**
   * The classes predict() gives, from probabilities already computed for the same rows, where the
   * classifier's rule is not their argmax (the SVM votes one-vs-one). Absent: the argmax.
   */
  classesOf?(x: Matrix, probabilities: Matrix): Int32Array;
  /** Choices and warnings of the last fit, where the classifier has any. */
  fitSummary?(): FitSummary;
}

export function isTransform(p: PluginInstance): p is TransformPlugin {
  return p.meta.kind === 'transform';
}

export function isClassifier(p: PluginInstance): p is ClassifierPlugin {
  return p.meta.kind === 'baseline' || p.meta.kind === 'classifier';
}
