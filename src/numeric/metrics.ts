/**
 * Classification metrics (accuracy, macro F1, per-class precision/recall/F1, confusion matrix)
 * and the per-transformation binary metrics of the pretext task (the paper's Table 3).
 */
export interface ClassMetrics {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly support: number;
}

export interface ClassificationReport {
  readonly accuracy: number;
  readonly macroF1: number;
  readonly perClass: ClassMetrics[];
  /** confusion[true][predicted] counts. */
  readonly confusion: number[][];
}

export function confusionMatrix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, nClasses: number): number[][] {
  if (yTrue.length !== yPred.length) throw new RangeError(`${yTrue.length} labels but ${yPred.length} predictions`);
  const m = Array.from({ length: nClasses }, () => new Array<number>(nClasses).fill(0));
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i];
    const p = yPred[i];
    if (t < 0 || t >= nClasses || p < 0 || p >= nClasses) throw new RangeError(`class index out of range at ${i}`);
    m[t][p]++;
  }
  return m;
}

export function accuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  if (yTrue.length !== yPred.length) throw new RangeError(`${yTrue.length} labels but ${yPred.length} predictions`);
  if (yTrue.length === 0) return 0;
  let hits = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) hits++;
  return hits / yTrue.length;
}

/**
 * Metrics over the classes that occur in yTrue or yPred (scikit-learn's convention: a class
 * absent from both does not count towards the macro average; precision or recall with a zero
 * denominator is 0).
 */
export function classificationReport(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, nClasses: number): ClassificationReport {
  const confusion = confusionMatrix(yTrue, yPred, nClasses);
  const perClass: ClassMetrics[] = [];
  let f1Sum = 0;
  let present = 0;
  for (let c = 0; c < nClasses; c++) {
    const tp = confusion[c][c];
    let support = 0;
    let predicted = 0;
    for (let k = 0; k < nClasses; k++) {
      support += confusion[c][k];
      predicted += confusion[k][c];
    }
    const precision = predicted > 0 ? tp / predicted : 0;
    const recall = support > 0 ? tp / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    perClass.push({ precision, recall, f1, support });
    if (support > 0 || predicted > 0) {
      f1Sum += f1;
      present++;
    }
  }
  return { accuracy: accuracy(yTrue, yPred), macroF1: present > 0 ? f1Sum / present : 0, perClass, confusion };
}

export interface BinaryMetrics {
  readonly accuracy: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
}

/** Accuracy, precision, recall and F1 of a yes/no decision (positives are `true`). */
export function binaryMetrics(truth: ArrayLike<boolean>, decision: ArrayLike<boolean>): BinaryMetrics {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (let i = 0; i < truth.length; i++) {
    if (truth[i] && decision[i]) tp++;
    else if (!truth[i] && decision[i]) fp++;
    else if (truth[i] && !decision[i]) fn++;
    else tn++;
  }
  const n = tp + fp + fn + tn;
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { accuracy: n > 0 ? (tp + tn) / n : 0, precision, recall, f1 };
}

/** Row-wise argmax of an n x C score matrix stored row-major. */
export function argmaxRows(scores: ArrayLike<number>, rows: number, cols: number): Int32Array {
  const out = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    let best = 0;
    let bestValue = -Infinity;
    for (let j = 0; j < cols; j++) {
      const v = scores[i * cols + j];
      if (v > bestValue) {
        bestValue = v;
        best = j;
      }
    }
    out[i] = best;
  }
  return out;
}
