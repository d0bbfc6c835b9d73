import { planStudy, presetLabel, studySettings } from '../../src/services/studies/study-plan';

describe('study settings', () => {
  it('names the epoch budget where it is not the preset\'s', () => {
    expect(presetLabel(studySettings({ preset: 'full' }))).toBe('full');
    expect(presetLabel(studySettings({ preset: 'full', pretextEpochs: 10, finetuneEpochs: 30 }))).toBe('full at 10 + 30 epochs');
    expect(presetLabel(studySettings({ preset: 'quick', finetuneEpochs: 5 }))).toBe('quick at 2 + 5 epochs');
  });

  it('rejects unknown presets and parts with a clear message', () => {
    expect(() => studySettings({ preset: 'huge' as 'full' })).toThrow('unknown study preset "huge"');
    expect(() => studySettings({ preset: 'full', parts: ['table9' as 'table4'] })).toThrow(/unknown study part "table9"/);
  });

  it('plans Table 4 and Fig. 5 as the SSL model, the CNN from scratch and the six baselines', () => {
    const plan = planStudy(studySettings({ preset: 'full', parts: ['table4', 'fig5'] }));
    expect(plan.map((p) => p.model.plugin)).toEqual(expect.arrayContaining(['cnn-classifier', 'random-forest', 'svm', 'knn', 'elm', 'bpnn', 'pls-da']));
    expect(plan).toHaveLength(8);
  });
});
