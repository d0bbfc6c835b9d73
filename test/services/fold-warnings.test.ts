import { collapsedPredictionWarning } from '../../src/services/experiments/fold-warnings';

describe('collapsedPredictionWarning', () => {
  const balanced = Int32Array.from({ length: 40 }, (_, i) => i % 4);

  it('warns when nearly every test spectrum lands in one class of a balanced training fold', () => {
    const predicted = Int32Array.from({ length: 20 }, (_, i) => (i === 0 ? 1 : 2));
    expect(collapsedPredictionWarning(predicted, balanced)).toBe(
      'the model put 19 of 20 test spectra (95 %) in class 2, while no class is more than 25 % of its labelled training spectra: it has probably learned nothing',
    );
  });

  it('says nothing for spread predictions, a training fold that is itself mostly one class, or a handful of test spectra', () => {
    expect(collapsedPredictionWarning(Int32Array.from({ length: 20 }, (_, i) => i % 4), balanced)).toBeNull();
    const mostlyOne = Int32Array.from({ length: 40 }, (_, i) => (i < 30 ? 0 : 1));
    expect(collapsedPredictionWarning(new Int32Array(20), mostlyOne)).toBeNull();
    expect(collapsedPredictionWarning(new Int32Array(9), balanced)).toBeNull();
  });
});
