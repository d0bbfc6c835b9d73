import type { Matrix } from './matrix';
import { selectRows } from './matrix';
import { classificationReport, type ClassificationReport } from './metrics';
import type { Fold } from './splits';

/**
 * k-fold evaluation of a classifier: per fold, fit optional pre-processing on the training rows
 * only, fit a fresh model, predict the held-out rows. Structural types keep this independent of
 * the plugin implementations: any object with these methods will do.
 */
export interface CrossValidationModel {
  fit(x: Matrix, y: Int32Array, nClasses: number): Promise<void> | void;
  predict(x: Matrix): Promise<Int32Array> | Int32Array;
}

export interface CrossValidationPreprocessing {
  fit(x: Matrix): unknown;
  transform(x: Matrix): Matrix;
}

export interface CrossValidationOptions {
  readonly x: Matrix;
  readonly y: Int32Array;
  readonly nClasses: number;
  readonly folds: readonly Fold[];
  /** A new, unfitted model for each fold. */
  readonly createModel: (fold: number) => CrossValidationModel;
  readonly createPreprocessing?: (fold: number) => CrossValidationPreprocessing;
}

export interface FoldResult {
  readonly fold: number;
  readonly trainSize: number;
  readonly testSize: number;
  readonly report: ClassificationReport;
  /** Wall time of pre-processing, fit and predict. */
  readonly seconds: number;
}

export interface MeanStd {
  readonly mean: number;
  /** Population standard deviation over folds (numpy's default). */
  readonly std: number;
}

export interface CrossValidationResult {
  readonly folds: FoldResult[];
  readonly accuracy: MeanStd;
  readonly macroF1: MeanStd;
  readonly seconds: number;
}

export function meanStd(values: readonly number[]): MeanStd {
  if (values.length === 0) return { mean: NaN, std: NaN };
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length;
  return { mean, std: Math.sqrt(variance) };
}

function selectLabels(y: Int32Array, indices: Int32Array): Int32Array {
  const out = new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) out[k] = y[indices[k]];
  return out;
}

export async function crossValidate(options: CrossValidationOptions): Promise<CrossValidationResult> {
  const { x, y, nClasses, folds } = options;
  if (y.length !== x.rows) throw new RangeError(`${x.rows} spectra but ${y.length} labels`);
  const results: FoldResult[] = [];
  for (let f = 0; f < folds.length; f++) {
    const { train, test } = folds[f];
    const start = performance.now();
    let xTrain = selectRows(x, train);
    let xTest = selectRows(x, test);
    const preprocessing = options.createPreprocessing?.(f);
    if (preprocessing) {
      preprocessing.fit(xTrain);
      xTrain = preprocessing.transform(xTrain);
      xTest = preprocessing.transform(xTest);
    }
    const model = options.createModel(f);
    await model.fit(xTrain, selectLabels(y, train), nClasses);
    const predicted = await model.predict(xTest);
    const seconds = (performance.now() - start) / 1000;
    const report = classificationReport(selectLabels(y, test), predicted, nClasses);
    results.push({ fold: f, trainSize: train.length, testSize: test.length, report, seconds });
  }
  return {
    folds: results,
    accuracy: meanStd(results.map((r) => r.report.accuracy)),
    macroF1: meanStd(results.map((r) => r.report.macroF1)),
    seconds: results.reduce((a, r) => a + r.seconds, 0),
  };
}
