import type { EpochScore, EpochVerdict, StoppingRule } from './train-loop';

/**
 * One early stopping for several training loops run side by side (the inner folds of a
 * cross-fit): after each epoch it waits for every loop's validation score, pools them (weighted by
 * each loop's validation rows) and gives all loops the same verdict. The epoch is then chosen on
 * every validation row at once rather than on each fold's few rows alone, where a 5-spectrum fold
 * can keep its untrained first epoch.
 */
export class PooledStopping {
  private readonly waiting = new Map<number, { scores: Map<number, EpochScore>; resolvers: ((v: EpochVerdict) => void)[] }>();
  private readonly alive: Set<number>;
  private best = Infinity;
  private sinceBest = 0;
  private failed = false;

  /**
   * @param weights each loop's validation rows
   * @param patience pooled epochs without a lower pooled validation loss before every loop stops
   */
  constructor(
    private readonly weights: readonly number[],
    private readonly patience: number,
  ) {
    this.alive = new Set(weights.map((_, k) => k));
  }

  /** The rule loop k trains with. */
  member(k: number): StoppingRule {
    return { judge: (epoch, score) => this.report(k, epoch, score) };
  }

  /** Loop k ended without finishing (an error or cancellation): the others stop at their next epoch. */
  leave(k: number): void {
    this.alive.delete(k);
    this.failed = true;
    for (const epoch of [...this.waiting.keys()]) this.settle(epoch);
  }

  private report(k: number, epoch: number, score: EpochScore): Promise<EpochVerdict> {
    let entry = this.waiting.get(epoch);
    if (!entry) {
      entry = { scores: new Map(), resolvers: [] };
      this.waiting.set(epoch, entry);
    }
    entry.scores.set(k, score);
    const verdict = new Promise<EpochVerdict>((resolve) => entry.resolvers.push(resolve));
    this.settle(epoch);
    return verdict;
  }

  private settle(epoch: number): void {
    const entry = this.waiting.get(epoch);
    if (!entry || [...this.alive].some((k) => !entry.scores.has(k))) return;
    this.waiting.delete(epoch);
    let verdict: EpochVerdict = { best: false, stop: true };
    if (!this.failed) {
      let loss = 0;
      let rows = 0;
      for (const [k, score] of entry.scores) {
        loss += score.loss * this.weights[k];
        rows += this.weights[k];
      }
      loss /= Math.max(1, rows);
      if (loss < this.best) {
        this.best = loss;
        this.sinceBest = 0;
        verdict = { best: true, stop: false };
      } else {
        verdict = { best: false, stop: ++this.sinceBest >= this.patience };
      }
    }
    for (const resolve of entry.resolvers) resolve(verdict);
  }
}
