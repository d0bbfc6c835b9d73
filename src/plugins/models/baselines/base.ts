import { CancelledError, UserInputError } from '../../../errors';
import { crossValidate } from '../../../numeric/cross-validate';
import { matrix, selectRows, type Matrix } from '../../../numeric/matrix';
import { accuracy, argmaxRows } from '../../../numeric/metrics';
import { classCounts, stratifiedKFold, type Fold } from '../../../numeric/splits';
import type { ClassifierPlugin, FitOptions, FitSummary, PluginDefinition, PluginMeta, TrainingProgress } from '../../contract';
import type { ParamSchema, Params } from '../../params';
import { checkPredictWidth, checkTrainingData } from '../training-data';
import { decodeState, encodeState } from './codec';

/**
 * The shared shell of the baseline classifiers: input checks, optional nested model selection
 * (`tune`), cancellation, probability normalisation and the serialised state. A baseline supplies
 * only its numeric core as a BaselineSpec; defineBaseline() turns it into a plugin definition.
 */
export interface TrainingData {
  /** Row-major rows x cols, float64. */
  readonly x: Float64Array;
  readonly rows: number;
  readonly cols: number;
  readonly y: Int32Array;
  readonly nClasses: number;
}

export interface FitContext {
  /** Yields to the event loop and throws CancelledError when the fit was aborted; call between epochs or trees. */
  checkpoint(): Promise<void>;
  progress(report: Omit<TrainingProgress, 'stage'> & { stage?: string }): void;
}

export interface BaselineSpec<Model> {
  readonly name: string;
  readonly description: string;
  readonly params: ParamSchema;
  readonly tags?: readonly string[];
  /** Parameter overrides to compare by inner cross-validation when `tune` is on, simplest first. */
  tuningCandidates?(params: Readonly<Params>, data: TrainingData): Params[];
  fit(data: TrainingData, params: Readonly<Params>, context: FitContext): Promise<Model> | Model;
  /**
   * Optional shortcut for tuning where one fit can stand for every candidate (PLS: the first k
   * latent variables do not depend on how many more are extracted): returns a scorer giving the
   * class scores of each candidate, in order. It must predict what fitting each candidate would.
   */
  fitPath?(data: TrainingData, params: Readonly<Params>, candidates: readonly Params[]): (x: Float64Array, rows: number) => Float64Array[];
  /**
   * Class probabilities, rows x nClasses (rows are renormalised to sum to 1 afterwards). The
   * model is plain data (numbers, strings, Float64Array, Int32Array, arrays and objects of them)
   * so that codec.ts can serialise it.
   */
  predictProba(model: Model, x: Float64Array, rows: number, cols: number): Float64Array;
  /**
   * Class scores and classes in one pass, for a spec whose class is not the argmax of its scores
   * (the SVM votes one-vs-one on the decision values its probabilities come from).
   */
  predictWithClasses?(model: Model, x: Float64Array, rows: number, cols: number): { scores: Float64Array; classes: Int32Array };
}

/** The `tune` switch and inner fold count, spread into the schema of tunable baselines. */
export const TUNING_PARAMS: ParamSchema = {
  tune: {
    type: 'boolean',
    default: false,
    description: 'choose the tuned hyper-parameters by inner stratified cross-validation on the training data only',
  },
  tuneFolds: { type: 'integer', default: 3, min: 2, max: 10, description: 'number of inner folds used when tune is on' },
};

interface StateEnvelope {
  readonly nFeatures: number;
  readonly nClasses: number;
  /** Parameter values chosen by tuning (empty when tune is off). */
  readonly tuned: Params;
  readonly model: unknown;
}

export class BaselineClassifier<Model> implements ClassifierPlugin {
  private model: Model | null = null;
  private nFeatures = 0;
  private nClasses = 0;
  private tunedParams: Params = {};
  /** Classes that a spec with its own class rule decided with the probabilities this classifier returned. */
  private readonly classesWith = new WeakMap<Matrix, Int32Array>();

  constructor(
    readonly meta: PluginMeta,
    readonly params: Readonly<Params>,
    private readonly spec: BaselineSpec<Model>,
  ) {}

  get isFitted(): boolean {
    return this.model !== null;
  }

  fitSummary(): FitSummary {
    return { choices: Object.keys(this.tunedParams).length > 0 ? { tuned: this.tunedParams } : {}, warnings: [] };
  }

  /** Hyper-parameters picked by `tune` for the current fit (empty when not tuned). */
  get tuned(): Readonly<Params> {
    return this.tunedParams;
  }

  async fit(x: Matrix, y: Int32Array, nClasses: number, options: FitOptions = {}): Promise<void> {
    checkTrainingData(this.meta.name, x, y, nClasses);
    const context = fitContext(options);
    const data: TrainingData = { x: Float64Array.from(x.data), rows: x.rows, cols: x.cols, y: Int32Array.from(y), nClasses };
    await context.checkpoint();
    const tuned = this.params.tune === true ? await this.selectParams(x, data, context) : {};
    const model = await this.spec.fit(data, { ...this.params, ...tuned }, context);
    this.model = model;
    this.nFeatures = x.cols;
    this.nClasses = nClasses;
    this.tunedParams = tuned;
  }

  async predictProba(x: Matrix): Promise<Matrix> {
    return this.probabilities(x);
  }

  async predict(x: Matrix): Promise<Int32Array> {
    return this.classesOf(x, this.probabilities(x));
  }

  classesOf(x: Matrix, probabilities: Matrix): Int32Array {
    const decided = this.classesWith.get(probabilities) ?? (this.spec.predictWithClasses ? this.classesWith.get(this.probabilities(x)) : undefined);
    return decided ?? argmaxRows(probabilities.data, probabilities.rows, probabilities.cols);
  }

  private probabilities(x: Matrix): Matrix {
    const model = this.fittedModel();
    checkPredictWidth(this.meta.name, x, this.nFeatures);
    const data = Float64Array.from(x.data);
    const both = this.spec.predictWithClasses?.(model, data, x.rows, x.cols);
    const scores = both ? both.scores : this.spec.predictProba(model, data, x.rows, x.cols);
    const probabilities = matrix(x.rows, this.nClasses, normaliseRows(scores, x.rows, this.nClasses));
    if (both) this.classesWith.set(probabilities, both.classes);
    return probabilities;
  }

  getState(): unknown {
    if (this.model === null) return null;
    const envelope: StateEnvelope = {
      nFeatures: this.nFeatures,
      nClasses: this.nClasses,
      tuned: this.tunedParams,
      model: encodeState(this.model),
    };
    return envelope;
  }

  setState(state: unknown): void {
    const envelope = state as Partial<StateEnvelope> | null;
    if (
      !envelope ||
      typeof envelope !== 'object' ||
      !Number.isInteger(envelope.nFeatures) ||
      !Number.isInteger(envelope.nClasses) ||
      typeof envelope.tuned !== 'object' ||
      envelope.tuned === null ||
      typeof envelope.model !== 'object' ||
      envelope.model === null
    ) {
      throw new UserInputError(`${this.meta.name}: invalid model state`);
    }
    this.model = decodeState(envelope.model) as Model;
    this.nFeatures = envelope.nFeatures as number;
    this.nClasses = envelope.nClasses as number;
    this.tunedParams = { ...envelope.tuned };
  }

  private fittedModel(): Model {
    if (this.model === null) throw new UserInputError(`${this.meta.name}: the model is not fitted; call fit() before predicting`);
    return this.model;
  }

  /** Inner stratified CV over the spec's candidates; the best mean accuracy wins, ties go to the earlier (simpler) one. */
  private async selectParams(x: Matrix, data: TrainingData, context: FitContext): Promise<Params> {
    const candidates = this.spec.tuningCandidates?.(this.params, data) ?? [];
    if (candidates.length <= 1) return candidates[0] ?? {};
    const smallestClass = Math.min(...classCounts(data.y).filter((c) => c > 0));
    const folds = Math.min(this.params.tuneFolds as number, smallestClass);
    // Too few rows of some class to cross-validate: keep the configured values.
    if (folds < 2) return {};
    const splits = stratifiedKFold(data.y, folds, typeof this.params.seed === 'number' ? this.params.seed : 0);
    const scores = this.spec.fitPath ? await this.pathScores(x, data, candidates, splits, context) : await this.candidateScores(x, data, candidates, splits, context);
    let best = 0;
    for (let c = 1; c < candidates.length; c++) if (scores[c] > scores[best] + 1e-12) best = c;
    return candidates[best];
  }

  /** Mean inner-fold accuracy of each candidate, one fit per candidate and fold. */
  private async candidateScores(x: Matrix, data: TrainingData, candidates: Params[], splits: Fold[], context: FitContext): Promise<number[]> {
    const scores: number[] = [];
    for (let c = 0; c < candidates.length; c++) {
      const candidateParams = { ...this.params, ...candidates[c], tune: false };
      const result = await crossValidate({
        x,
        y: data.y,
        nClasses: data.nClasses,
        folds: splits,
        createModel: () => new BaselineClassifier(this.meta, candidateParams, this.spec),
      });
      scores.push(result.accuracy.mean);
      context.progress({ stage: 'tune', epoch: c + 1, epochs: candidates.length, loss: 1 - result.accuracy.mean, accuracy: result.accuracy.mean });
      await context.checkpoint();
    }
    return scores;
  }

  /** The same scores from the spec's fitPath: one fit per inner fold serves every candidate. */
  private async pathScores(x: Matrix, data: TrainingData, candidates: Params[], splits: Fold[], context: FitContext): Promise<number[]> {
    const sums = new Array<number>(candidates.length).fill(0);
    for (let f = 0; f < splits.length; f++) {
      const { train, test } = splits[f];
      const xTrain = selectRows(x, train);
      const xTest = selectRows(x, test);
      const yTrain = Int32Array.from(train, (i) => data.y[i]);
      const yTest = Int32Array.from(test, (i) => data.y[i]);
      const scorer = this.spec.fitPath!({ x: Float64Array.from(xTrain.data), rows: xTrain.rows, cols: xTrain.cols, y: yTrain, nClasses: data.nClasses }, { ...this.params, tune: false }, candidates);
      const perCandidate = scorer(Float64Array.from(xTest.data), xTest.rows);
      for (let c = 0; c < candidates.length; c++) {
        const predicted = argmaxRows(normaliseRows(perCandidate[c], xTest.rows, data.nClasses), xTest.rows, data.nClasses);
        sums[c] += accuracy(yTest, predicted);
      }
      const bestSoFar = Math.max(...sums) / (f + 1);
      context.progress({ stage: 'tune', epoch: f + 1, epochs: splits.length, loss: 1 - bestSoFar, accuracy: bestSoFar });
      await context.checkpoint();
    }
    return sums.map((sum) => sum / splits.length);
  }
}

export function defineBaseline<Model>(spec: BaselineSpec<Model>): PluginDefinition<BaselineClassifier<Model>> {
  const definition: PluginDefinition<BaselineClassifier<Model>> = {
    name: spec.name,
    kind: 'baseline',
    description: spec.description,
    params: spec.params,
    tags: spec.tags ?? ['baseline'],
    create: (params) => new BaselineClassifier(definition, params, spec),
  };
  return definition;
}

function fitContext(options: FitOptions): FitContext {
  return {
    checkpoint: async () => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (options.signal?.aborted) throw new CancelledError('training cancelled');
    },
    progress: (report) => options.onProgress?.({ stage: 'fit', ...report }),
  };
}

/** Rows clipped at 0 and scaled to sum to 1; an all-zero row becomes uniform. */
function normaliseRows(scores: Float64Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    let sum = 0;
    for (let j = 0; j < cols; j++) sum += Math.max(0, scores[i * cols + j]);
    for (let j = 0; j < cols; j++) out[i * cols + j] = sum > 0 ? Math.max(0, scores[i * cols + j]) / sum : 1 / cols;
  }
  return out;
}
