import { bestCandidate, majorityRate, type CandidateScore, type InnerSplit } from '../../../engine/auto-finetune';
import { UserInputError } from '../../../errors';
import { selectRows, type Matrix } from '../../../numeric/matrix';
import { argmaxRows } from '../../../numeric/metrics';
import type { FitOptions } from '../../contract';
import { validateParams, type Params } from '../../params';
import type { EncoderState } from './cnn-encoder.plugin';
import { tunedBaselineParams } from '../baselines';
import { ENCODER_PARAMS } from './shared';
import { sslEmbeddingProbePlugin, type SslEmbeddingProbePlugin } from './ssl-embedding-probe.plugin';

/**
 * The automatic mode's other head for a pre-trained encoder: a baseline classifier on the frozen
 * encoder's embeddings (the paper's Fig. 6), validated on the same inner splits as fine-tuning.
 * With a few labelled spectra a linear probe has far fewer parameters to fit than the network;
 * whether that wins is decided per fold on the pooled inner validation, never on test rows.
 */
export interface ProbeHeadSettings {
  /** Baseline classifier fitted on the embeddings; null: fine-tuning only. */
  readonly probe: string | null;
  /** Encoder blocks whose embeddings are compared (1 = first block). */
  readonly depths: readonly number[];
}

/** The head the automatic mode chose, stored with the fold's other choices. */
export interface HeadChoice {
  /** 'fine-tuned': the network; otherwise the winning probe candidate's name. */
  readonly chosen: string;
  readonly depth?: number;
  readonly probe?: string;
  /** The fine-tuned network's pooled score first, then each probe's. */
  readonly candidates: CandidateScore[];
}

export const FINE_TUNED = 'fine-tuned';

/** Probe parameters for one depth; a tunable probe chooses its own settings by inner CV of the rows it is fitted on. */
export function probeParams(classifierParams: Readonly<Params>, probe: string, depth: number): Params {
  const encoder = Object.fromEntries(Object.keys(ENCODER_PARAMS).map((key) => [key, classifierParams[key]]));
  return { ...encoder, depth, probe, probeParams: tunedBaselineParams(probe), seed: classifierParams.seed };
}

export function probeName(probe: string, depth: number): string {
  return `${probe} on block ${depth}`;
}

/** An unfitted probe (validated parameters) on the frozen encoder. */
export function createProbe(params: Params, encoder: EncoderState | null): SslEmbeddingProbePlugin {
  const probe = sslEmbeddingProbePlugin.create(validateParams(sslEmbeddingProbePlugin.name, sslEmbeddingProbePlugin.params, params));
  probe.setPretrainedEncoder(encoder);
  return probe;
}

/** A probe on the frozen encoder, fitted on (x, y). */
export async function fitProbe(params: Params, encoder: EncoderState, x: Matrix, y: Int32Array, nClasses: number, options: FitOptions = {}): Promise<SslEmbeddingProbePlugin> {
  const probe = createProbe(params, encoder);
  await probe.fit(x, y, nClasses, { signal: options.signal });
  return probe;
}

/**
 * Scores a probe on every inner split (fitted on the split's fit rows, validated on the others),
 * pooled over all validation rows. A probe that cannot be fitted on a split's few rows (a user
 * error such as too few rows per class for its own tuning) scores as not learned.
 */
export async function scoreProbe(
  params: Params,
  encoder: EncoderState,
  x: Matrix,
  y: Int32Array,
  nClasses: number,
  splits: readonly InnerSplit[],
  options: FitOptions = {},
): Promise<CandidateScore> {
  const name = probeName(params.probe as string, params.depth as number);
  const pooled: number[] = [];
  let hits = 0;
  let loss = 0;
  for (const split of splits) {
    const yFit = Int32Array.from(split.fit, (i) => y[i]);
    let proba: Matrix;
    try {
      const probe = await fitProbe(params, encoder, selectRows(x, split.fit), yFit, nClasses, options);
      proba = await probe.predictProba(selectRows(x, split.validation));
    } catch (error) {
      if (error instanceof UserInputError) return { candidate: name, valAccuracy: 0, valLoss: Infinity, bestEpoch: 0, epochsRun: 0, learned: false };
      throw error;
    }
    const predicted = argmaxRows(proba.data, proba.rows, proba.cols);
    split.validation.forEach((row, i) => {
      pooled.push(y[row]);
      if (predicted[i] === y[row]) hits++;
      loss -= Math.log(Math.max(proba.data[i * proba.cols + y[row]], 1e-12));
    });
  }
  const valAccuracy = hits / Math.max(1, pooled.length);
  return {
    candidate: name,
    valAccuracy,
    valLoss: loss / Math.max(1, pooled.length),
    bestEpoch: 0,
    epochsRun: 0,
    learned: valAccuracy > majorityRate(Int32Array.from(pooled)) + 1e-9,
  };
}

/**
 * Index of the winning probe, or -1 for the fine-tuned network. A probe replaces the network only
 * with a higher pooled validation accuracy (or when the network learned nothing and it did):
 * losses are not compared, since a probe's probabilities (PLS-DA's softmax of regression outputs)
 * are not calibrated like the network's. Among probes, the auto mode's usual rule: higher
 * accuracy, then lower loss, then the shallower block.
 */
export function chooseHead(network: CandidateScore, probes: readonly CandidateScore[]): number {
  const best = bestCandidate(probes);
  const probe = probes[best];
  return probe?.learned && (!network.learned || probe.valAccuracy > network.valAccuracy + 1e-9) ? best : -1;
}
