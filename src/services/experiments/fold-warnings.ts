import { classCounts } from '../../numeric/splits';

/** Below this many test spectra, one class taking most predictions says little. */
const MIN_TEST_ROWS = 10;
/** Share of the test predictions one class must take to be suspicious. */
const COLLAPSED_SHARE = 0.9;
/** ...and by how much it must exceed the largest class's share of the labelled training rows. */
const EXCESS_OVER_TRAINING = 0.3;

/**
 * A warning when a fold's model put (nearly) every test spectrum in one class although its
 * labelled training rows are spread over several: the mark of a network that learned nothing
 * (e.g. early stopping that kept an untrained epoch). Looks at the predictions only, never at the
 * test labels, so it can be shown beside the score without having chosen anything on it.
 */
export function collapsedPredictionWarning(predicted: Int32Array, yLabelled: Int32Array): string | null {
  if (predicted.length < MIN_TEST_ROWS || yLabelled.length === 0) return null;
  const counts = classCounts(predicted);
  const top = Math.max(...counts);
  const share = top / predicted.length;
  const trainingShare = Math.max(...classCounts(yLabelled)) / yLabelled.length;
  if (share < COLLAPSED_SHARE || share - trainingShare < EXCESS_OVER_TRAINING) return null;
  return (
    `the model put ${top} of ${predicted.length} test spectra (${Math.round(share * 100)} %) in class ${counts.indexOf(top)}, ` +
    `while no class is more than ${Math.round(trainingShare * 100)} % of its labelled training spectra: it has probably learned nothing`
  );
}
