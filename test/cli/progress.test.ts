import { Progress, describeExperimentProgress } from '../../src/cli/progress';

/** A stream that records what is written to it. */
function stream(isTTY: boolean): NodeJS.WriteStream & { text: string } {
  const s = { isTTY, columns: 100, text: '', write: (chunk: string) => ((s.text += chunk), true) };
  return s as unknown as NodeJS.WriteStream & { text: string };
}

const event = (fold: number | null, stage: string | null, epoch: number | null, status = 'RUNNING') => ({
  status,
  foldsDone: fold ?? 0,
  foldsTotal: 3,
  fold,
  stage,
  epoch,
  epochs: stage ? 10 : null,
  loss: stage ? 0.5 : null,
  accuracy: stage ? 0.75 : null,
});

describe('progress on stderr', () => {
  it('writes plain lines off a terminal: one per fold, stage or status, never \\r or escape codes', () => {
    const out = stream(false);
    const progress = new Progress(out);
    for (const p of [event(0, 'pretext', 1), event(0, 'pretext', 2), event(0, 'finetune', 1), event(1, 'finetune', 5), event(null, null, null, 'SUCCEEDED')]) {
      const { share, text, key } = describeExperimentProgress(p);
      progress.update(share, text, key);
    }
    progress.stop();
    expect(out.text).not.toMatch(/[\r\x1b]/);
    expect(out.text.split('\n')).toEqual([
      'fold 1/3 pretext epoch 1/10 loss 0.5000 acc 0.750 running (3%)',
      'fold 1/3 finetune epoch 1/10 loss 0.5000 acc 0.750 running (3%)',
      'fold 2/3 finetune epoch 5/10 loss 0.5000 acc 0.750 running (50%)',
      '0/3 folds succeeded (0%)',
      '',
    ]);
  });

  it('draws a cli-progress bar on a terminal', () => {
    const out = stream(true);
    const progress = new Progress(out);
    progress.update(0.5, 'fold 2/3 finetune epoch 5/10');
    progress.stop();
    expect(out.text).toMatch(/=+-+ 50% \| fold 2\/3 finetune epoch 5\/10/);
  });
});
