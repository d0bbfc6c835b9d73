import { bestCandidate, type CandidateScore } from '../../src/engine/auto-finetune';
import { pickByRule } from '../../bench/scaling-rule';

function score(candidate: string, valAccuracy: number, valLoss: number, learned = true): CandidateScore {
  return { candidate, valAccuracy, valLoss, bestEpoch: 10, epochsRun: 30, learned };
}

describe('scaling-rule diagnostic', () => {
  it('accuracy first is the automatic mode\'s own rule; loss first looks at the loss alone', () => {
    const cases = [
      [score('global', 0.8, 0.6), score('autoscale', 0.733, 0.4)],
      [score('global', 0.8, 0.6), score('autoscale', 0.8, 0.5)],
      [score('global', 0.6, 0.9), score('autoscale', 0.8, 0.5)],
    ];
    expect(cases.map((c) => pickByRule('accuracy first', c))).toEqual(cases.map((c) => bestCandidate(c)));
    expect(cases.map((c) => pickByRule('accuracy first', c))).toEqual([0, 1, 1]);
    expect(cases.map((c) => pickByRule('loss first', c))).toEqual([1, 1, 1]);
  });

  it('a candidate that learned beats one that did not, whatever its loss', () => {
    const scores = [score('global', 0.4, 0.2, false), score('autoscale', 0.7, 0.9)];
    expect(pickByRule('loss first', scores)).toBe(1);
    expect(pickByRule('accuracy first', scores)).toBe(1);
  });
});
