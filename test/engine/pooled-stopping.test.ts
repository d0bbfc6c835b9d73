import { PooledStopping } from '../../src/engine/pooled-stopping';
import type { EpochVerdict, StoppingRule } from '../../src/engine/train-loop';

/** Drives loops side by side: loop k reports losses[k][epoch - 1] until its verdict says stop. */
async function drive(rules: StoppingRule[], losses: number[][]): Promise<EpochVerdict[][]> {
  return Promise.all(
    rules.map(async (rule, k) => {
      const verdicts: EpochVerdict[] = [];
      for (let epoch = 1; epoch <= losses[k].length; epoch++) {
        const verdict = await rule.judge(epoch, { loss: losses[k][epoch - 1], accuracy: 0 });
        verdicts.push(verdict);
        if (verdict.stop) break;
      }
      return verdicts;
    }),
  );
}

describe('PooledStopping', () => {
  it('gives every loop the same verdict, on the loss pooled by validation rows', async () => {
    // Alone, loop 1 would keep epoch 1 (its lowest loss); pooled with loop 0's three times as many
    // rows, the best epoch is 3, and two epochs without a lower pooled loss stop both loops.
    const pooled = new PooledStopping([3, 1], 2);
    const verdicts = await drive([pooled.member(0), pooled.member(1)], [
      [1.0, 0.8, 0.5, 0.6, 0.7, 0.1],
      [0.2, 0.9, 0.9, 0.9, 0.9, 0.9],
    ]);
    expect(verdicts[0]).toEqual(verdicts[1]);
    expect(verdicts[0].map((v) => v.best)).toEqual([true, false, true, false, false]);
    expect(verdicts[0].map((v) => v.stop)).toEqual([false, false, false, false, true]);
  });

  it('stops the other loops when one leaves (an error or a cancellation), instead of waiting for it', async () => {
    const pooled = new PooledStopping([1, 1], 10);
    const waiting = pooled.member(0).judge(1, { loss: 1, accuracy: 0 });
    pooled.leave(1);
    await expect(waiting).resolves.toEqual({ best: false, stop: true });
    await expect(pooled.member(0).judge(2, { loss: 0.5, accuracy: 0 })).resolves.toEqual({ best: false, stop: true });
  });
});
