import { loadConfig } from '../../src/config';
import { CancelledError } from '../../src/errors';
import { runPool } from '../../src/services/experiments/experiment-runner.service';
import { estimateFoldBytes } from '../../src/services/experiments/fold-memory';
import { InProcessJobQueue } from '../../src/services/experiments/job-queue';
import { TrainingSlots } from '../../src/services/experiments/training-slots';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));
const GiB = 1024 ** 3;
const never = new AbortController().signal;

/** Runs an experiment's folds as the runner does (lanes of foldConcurrency, each holding a slot); returns the peak of folds at once. */
async function peakFoldsAtOnce(slots: TrainingSlots, foldConcurrency: number, folds: number, bytes: number): Promise<number> {
  let running = 0;
  let peak = 0;
  const items = Array.from({ length: folds }, (_, k) => k);
  await runPool(items, foldConcurrency, never, (_fold, signal) =>
    slots.run({ group: 'experiment', bytes }, signal, async () => {
      peak = Math.max(peak, ++running);
      await tick(15);
      running--;
    }),
  );
  return peak;
}

describe('training slots (folds of all experiments share the machine)', () => {
  const twoCores = loadConfig({}, {}, { cores: 2 });
  // A Coal-sized set pre-training the paper's CNN: 5016 x 1499, 4013 training rows, 7 variants
  // (168 MB if held: streamed by batch, so the estimate counts one batch of variants).
  const coalFold = estimateFoldBytes({
    datasetRows: 5016,
    trainRows: 4013,
    length: 1499,
    pretext: { variants: 7, batchSize: 32, channelsPerPoint: 96 },
  });

  it('trains two folds at once under the default settings on a 2-core machine', async () => {
    expect(twoCores.trainingSlots).toBe(2);
    const slots = new TrainingSlots({ slots: twoCores.trainingSlots, freeMemory: () => 16 * GiB });
    expect(await peakFoldsAtOnce(slots, twoCores.foldConcurrency, 5, coalFold)).toBe(2);
  });

  it('trains one fold at a time when two do not fit in free memory', async () => {
    expect(coalFold).toBeGreaterThan(0.25 * GiB);
    const slots = new TrainingSlots({ slots: twoCores.trainingSlots, freeMemory: () => 1.5 * coalFold });
    expect(await peakFoldsAtOnce(slots, twoCores.foldConcurrency, 3, coalFold)).toBe(1);
  });

  it('starts a waiting fold once other processes free memory', async () => {
    let free = 1.5 * coalFold;
    const slots = new TrainingSlots({ slots: 2, freeMemory: () => free, memoryRecheckMs: 5 });
    const order: string[] = [];
    const first = slots.run({ group: 'a', bytes: coalFold }, never, async () => {
      await tick(60);
      order.push('first done');
    });
    const second = slots.run({ group: 'a', bytes: coalFold }, never, async () => {
      order.push('second started');
    });
    await tick(20);
    free = 4 * coalFold;
    await Promise.all([first, second]);
    expect(order).toEqual(['second started', 'first done']);
  });

  it('gives the next free slot to the group with fewest folds running (a baseline beside a study)', async () => {
    const slots = new TrainingSlots({ slots: 2, freeMemory: () => 16 * GiB });
    const started: string[] = [];
    const fold = (group: string, ms: number) =>
      slots.run({ group, bytes: 1 }, never, async () => {
        started.push(group);
        await tick(ms);
      });
    const study = [fold('study', 20), fold('study', 40), fold('study', 20), fold('study', 20)];
    await tick(5);
    const baseline = fold('baseline', 1);
    await Promise.all([...study, baseline]);
    expect(started.slice(0, 3)).toEqual(['study', 'study', 'baseline']);
  });

  it('drops a waiting fold when its experiment is cancelled', async () => {
    const slots = new TrainingSlots({ slots: 1, freeMemory: () => 16 * GiB });
    const holding = slots.run({ group: 'a', bytes: 1 }, never, () => tick(30));
    const controller = new AbortController();
    const waiting = slots.run({ group: 'b', bytes: 1 }, controller.signal, async () => 'ran');
    controller.abort('cancel');
    await expect(waiting).rejects.toThrow(CancelledError);
    await holding;
    expect(await slots.run({ group: 'c', bytes: 1 }, never, async () => 'next')).toBe('next');
  });

  it('keeps the environment variables as overrides', () => {
    const config = loadConfig({ NIR_SSL_TRAINING_SLOTS: '3', NIR_SSL_FOLD_CONCURRENCY: '1' }, {}, { cores: 8 });
    expect(config.trainingSlots).toBe(3);
    expect(config.jobConcurrency).toBe(3);
    expect(config.foldConcurrency).toBe(1);
  });
});

describe('job queue (experiments take turns by group)', () => {
  it('starts a standalone experiment queued behind a study without waiting for the study', async () => {
    const started: string[] = [];
    const queue = new InProcessJobQueue(async (id) => {
      started.push(id);
      await tick(20);
    }, 2);
    for (let k = 0; k < 6; k++) queue.enqueue(`study-${k}`, 'study');
    queue.enqueue('baseline');
    await tick(5);
    expect(started).toEqual(['study-0', 'study-1', 'baseline']);
    await queue.idle();
    expect(started).toHaveLength(7);
  });

  it('keeps the limit within a group', async () => {
    let running = 0;
    let peak = 0;
    const queue = new InProcessJobQueue(async () => {
      peak = Math.max(peak, ++running);
      await tick(10);
      running--;
    }, 2);
    for (let k = 0; k < 5; k++) queue.enqueue(`e${k}`);
    await queue.idle();
    expect(peak).toBe(2);
  });
});
