import type { PluginDefinition } from '../../contract';
import { bpnnBaseline } from './bpnn.baseline';
import { elmBaseline } from './elm.baseline';
import { knnBaseline } from './knn.baseline';
import { plsDaBaseline } from './pls-da.baseline';
import { randomForestBaseline } from './random-forest.baseline';
import { svmBaseline } from './svm.baseline';

/** Every built-in baseline classifier (the paper's comparison methods). */
export const BASELINE_PLUGINS: PluginDefinition[] = [
  randomForestBaseline,
  svmBaseline,
  knnBaseline,
  elmBaseline,
  bpnnBaseline,
  plsDaBaseline,
];
