import * as path from 'node:path';
import { DEFAULT_CLASSIFIER } from '../../src/engine/classifier';
import type { FoldJobArgs, FoldJobResult } from '../../bench/ssl-fold-job';
import { DEFAULT_PRETEXT } from '../../src/engine/pretext';
import { runInWorker } from '../../src/engine/worker-host';
import { CancelledError } from '../../src/errors';
import type { TrainingProgress } from '../../src/plugins/contract';
import { loadTablet, splitEvery } from './tablet';
import { expectedBackend } from '../helpers/backend';

const JOBS = path.join(__dirname, '../../bench/ssl-fold-job');
const ENCODER = { ...DEFAULT_PRETEXT.encoder, filters: [4, 8, 8] };

function foldArgs(pretextEpochs: number): FoldJobArgs {
  const { x, y } = loadTablet();
  const { train, test } = splitEvery(y, 5);
  return {
    x,
    y,
    nClasses: 4,
    train: Int32Array.from(train.filter((_, i) => i % 4 === 0)),
    test: Int32Array.from(test),
    pretext: { ...DEFAULT_PRETEXT, encoder: ENCODER, headHidden: [8, 8], epochs: pretextEpochs },
    classifier: { ...DEFAULT_CLASSIFIER, encoder: ENCODER, hidden: [8, 8], epochs: 2 },
  };
}

describe('runInWorker', () => {
  it('runs a training job in a worker thread, forwarding progress', async () => {
    const progress: TrainingProgress[] = [];
    const result = await runInWorker<FoldJobResult, TrainingProgress>(JOBS, 'sslFoldJob', foldArgs(2), {
      onProgress: (p) => progress.push(p),
    });
    expect(result.backend).toBe(expectedBackend());
    expect(result.accuracy).toBeGreaterThanOrEqual(0);
    expect(result.pretext?.perTransform['vertical-flip'].accuracy).toBeGreaterThan(0);
    expect(progress.map((p) => `${p.stage}:${p.epoch}`)).toEqual(['pretext:1', 'pretext:2', 'finetune:1', 'finetune:2']);
  });

  it('terminates the worker and rejects with CancelledError on abort', async () => {
    const controller = new AbortController();
    const run = runInWorker(JOBS, 'sslFoldJob', foldArgs(500), {
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
  });

  it('rethrows errors of the job, and reports a missing export', async () => {
    const bad = { ...foldArgs(1), nClasses: 2 };
    await expect(runInWorker(JOBS, 'sslFoldJob', bad)).rejects.toThrow(/label 2 outside 0..1/);
    await expect(runInWorker(JOBS, 'noSuchJob', {})).rejects.toThrow(/no exported function "noSuchJob"/);
  });
});
