import type { PluginDefinition } from '../../contract';
import type { Params } from '../../params';
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

/** Parameters that make a baseline choose its own settings by inner CV: `{ tune: true }` where it can, else none. */
export function tunedBaselineParams(name: string): Params {
  return BASELINE_PLUGINS.find((p) => p.name === name)?.params.tune !== undefined ? { tune: true } : {};
}
