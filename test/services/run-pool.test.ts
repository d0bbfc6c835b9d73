import { CancelledError } from '../../src/errors';
import { runPool } from '../../src/services/experiments/experiment-runner.service';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('runPool (folds in parallel)', () => {
  it('runs every item, at most `concurrency` at once', async () => {
    let running = 0;
    let peak = 0;
    const done: number[] = [];
    await runPool([1, 2, 3, 4, 5], 2, new AbortController().signal, async (item) => {
      running++;
      peak = Math.max(peak, running);
      await tick(10);
      done.push(item);
      running--;
    });
    expect(done.sort()).toEqual([1, 2, 3, 4, 5]);
    expect(peak).toBe(2);
  });

  it('stops the others and rethrows the first failure', async () => {
    const seen: string[] = [];
    const work = async (item: number, signal: AbortSignal) => {
      if (item === 2) throw new Error('fold 2 broke');
      await tick(30);
      seen.push(signal.aborted ? `aborted ${item}` : `ok ${item}`);
    };
    await expect(runPool([1, 2, 3, 4], 2, new AbortController().signal, work)).rejects.toThrow('fold 2 broke');
    expect(seen).toEqual(['aborted 1']);
  });

  it('ends with CancelledError when the outer signal aborts', async () => {
    const controller = new AbortController();
    const started: number[] = [];
    const run = runPool([1, 2, 3], 1, controller.signal, async (item) => {
      started.push(item);
      await tick(20);
    });
    setTimeout(() => controller.abort('cancel'), 5);
    await expect(run).rejects.toThrow(CancelledError);
    expect(started).toEqual([1]);
  });
});
