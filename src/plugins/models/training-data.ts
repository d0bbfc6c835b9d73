import { UserInputError } from '../../errors';
import type { Matrix } from '../../numeric/matrix';

/** The checks every classifier makes before fitting, with the same messages for all of them. */
export function checkTrainingData(name: string, x: Matrix, y: Int32Array, nClasses: number): void {
  if (x.rows === 0) throw new UserInputError(`${name}: the training set is empty`);
  if (x.cols === 0) throw new UserInputError(`${name}: the spectra have no variables`);
  if (y.length !== x.rows) throw new UserInputError(`${name}: ${x.rows} spectra but ${y.length} labels`);
  if (!Number.isInteger(nClasses) || nClasses < 2) throw new UserInputError(`${name}: needs at least 2 classes, got ${nClasses}`);
  const seen = new Set<number>();
  for (let i = 0; i < y.length; i++) {
    if (!(y[i] >= 0 && y[i] < nClasses)) throw new UserInputError(`${name}: label ${y[i]} at row ${i} is outside 0..${nClasses - 1}`);
    seen.add(y[i]);
  }
  if (seen.size < 2) throw new UserInputError(`${name}: the training set has a single class; a classifier needs at least two`);
  checkFinite(name, x.data);
}

export function checkFinite(name: string, values: Float32Array): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new UserInputError(`${name}: the spectra contain a non-finite value (NaN or infinity)`);
  }
}

/** Spectra to predict must have the length the model was fitted on. */
export function checkPredictWidth(name: string, x: Matrix, expected: number): void {
  if (x.cols !== expected) throw new UserInputError(`${name}: fitted on spectra of ${expected} variables, got ${x.cols}`);
  checkFinite(name, x.data);
}
