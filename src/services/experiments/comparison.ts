import { pairedTTest, summarize } from '../../numeric/stats';
import { canonicalJson, type Protocol } from './experiment-spec';

/**
 * Comparison of experiments for dashboards: per metric, each experiment's mean, standard
 * deviation and per-fold values; for each pair whose folds are identical (same dataset, seed,
 * k, repeats, grouping, label fraction), the paired per-fold differences and a paired t-test.
 */
export const COMPARED_METRICS = ['accuracy', 'macroF1'] as const;
export type ComparedMetric = (typeof COMPARED_METRICS)[number];

export interface ComparableExperiment {
  readonly id: string;
  readonly name: string;
  readonly datasetId: string;
  readonly protocol: Protocol;
  /** Fold scores ordered by (repeat, fold). */
  readonly folds: readonly { repeat: number; fold: number; accuracy: number; macroF1: number }[];
}

export interface MetricEntry {
  readonly experimentId: string;
  readonly mean: number;
  readonly std: number;
  readonly perFold: number[];
  /** 1 = best mean. */
  readonly rank: number;
}

export interface PairComparison {
  readonly a: string;
  readonly b: string;
  readonly metric: ComparedMetric;
  /** False when the folds differ, so no paired test applies; `reason` says why. */
  readonly paired: boolean;
  readonly reason: string | null;
  /** a - b per fold, when paired. */
  readonly differences: number[];
  readonly meanDifference: number;
  readonly t: number | null;
  readonly pValue: number | null;
}

export interface Comparison {
  readonly metrics: { metric: ComparedMetric; entries: MetricEntry[] }[];
  readonly pairs: PairComparison[];
}

export function compareExperiments(experiments: readonly ComparableExperiment[]): Comparison {
  const metrics = COMPARED_METRICS.map((metric) => {
    const entries = experiments.map((e) => {
      const perFold = orderedFolds(e).map((f) => f[metric]);
      const s = summarize(perFold);
      return { experimentId: e.id, mean: s.mean, std: s.std, perFold };
    });
    const order = [...entries].sort((x, y) => (Number.isNaN(x.mean) ? 1 : Number.isNaN(y.mean) ? -1 : y.mean - x.mean));
    return { metric, entries: entries.map((e) => ({ ...e, rank: order.indexOf(e) + 1 })) };
  });
  const pairs: PairComparison[] = [];
  for (let i = 0; i < experiments.length; i++) {
    for (let j = i + 1; j < experiments.length; j++) {
      for (const metric of COMPARED_METRICS) pairs.push(comparePair(experiments[i], experiments[j], metric));
    }
  }
  return { metrics, pairs };
}

function comparePair(a: ComparableExperiment, b: ComparableExperiment, metric: ComparedMetric): PairComparison {
  const va = orderedFolds(a).map((f) => f[metric]);
  const vb = orderedFolds(b).map((f) => f[metric]);
  const reason = whyNotPaired(a, b);
  const base = { a: a.id, b: b.id, metric };
  if (reason) {
    const mean = (v: number[]) => (v.length ? v.reduce((x, y) => x + y, 0) / v.length : NaN);
    return { ...base, paired: false, reason, differences: [], meanDifference: mean(va) - mean(vb), t: null, pValue: null };
  }
  const differences = va.map((v, k) => v - vb[k]);
  const test = pairedTTest(va, vb);
  return { ...base, paired: true, reason: null, differences, meanDifference: test.meanDifference, t: Number.isFinite(test.t) ? test.t : null, pValue: test.pValue };
}

function whyNotPaired(a: ComparableExperiment, b: ComparableExperiment): string | null {
  if (a.datasetId !== b.datasetId) return 'different datasets';
  const pa = a.protocol;
  const pb = b.protocol;
  const single = (p: Protocol) => p.split !== undefined && p.split !== 'k-fold';
  if ((pa.split ?? 'k-fold') !== (pb.split ?? 'k-fold')) return 'different splits';
  if (single(pa)) {
    if (canonicalJson([pa.testFraction, pa.trainRows, pa.testRows]) !== canonicalJson([pb.testFraction, pb.trainRows, pb.testRows])) return 'different train/test rows';
    if ((pa.labelFraction ?? 1) !== (pb.labelFraction ?? 1)) return 'different label fractions';
    if (a.folds.length !== 1 || b.folds.length !== 1) return 'not every fold has finished';
    return 'a single train/test split: no paired test over folds (compare the two test scores)';
  }
  if (pa.seed !== pb.seed || pa.folds !== pb.folds || pa.repeats !== pb.repeats || pa.useGroups !== pb.useGroups) {
    return 'different folds (seed, k, repeats or grouping differ)';
  }
  if ((pa.labelFraction ?? 1) !== (pb.labelFraction ?? 1)) return 'different label fractions';
  const expected = pa.folds * pa.repeats;
  if (a.folds.length !== expected || b.folds.length !== expected) return 'not every fold has finished';
  if (expected < 2) return 'fewer than 2 folds';
  return null;
}

function orderedFolds(e: ComparableExperiment) {
  return [...e.folds].sort((x, y) => x.repeat - y.repeat || x.fold - y.fold);
}
