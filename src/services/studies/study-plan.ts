import { UserInputError } from '../../errors';
import type { Params } from '../../plugins/params';
import type { PipelineStep } from '../../plugins/transforms/pipeline';
import { SSL_TRANSFORM_NAMES } from '../../plugins/transforms';

/**
 * The paper's experiment set for one dataset (../METHOD.md): Table 4 (SSL and the six baselines
 * under 5-fold CV), Table 3 (pretext accuracy per transform, from the SSL runs), Fig. 5 (SSL vs
 * the same CNN from scratch), Table 5 (label-fraction sweep), Fig. 7 (single-task pre-training)
 * and Fig. 6 (embedding depth); and "auto": the CNN's automatic mode (SSL and from scratch) against
 * the tuned baselines at several label fractions. Pure data: which experiments, with which settings.
 */
export const STUDY_PARTS = ['table4', 'fig5', 'sweep', 'fig7', 'fig6', 'auto'] as const;
export type StudyPart = (typeof STUDY_PARTS)[number];
export type StudyPreset = 'quick' | 'full';

export const BASELINE_NAMES = ['random-forest', 'svm', 'knn', 'elm', 'bpnn', 'pls-da'] as const;
/** Baselines with a `tune` switch (inner cross-validation over a grid); the others run at their defaults. */
const TUNABLE_BASELINES: readonly string[] = ['svm', 'knn', 'elm', 'pls-da'];
export const SWEEP_FRACTIONS = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5] as const;
/** Label fractions of the "auto" part (1: every label; otherwise the rest of the fold is unlabelled). */
export const AUTO_FRACTIONS = [1, 0.2, 0.1] as const;

export interface StudySettings {
  readonly preset: StudyPreset;
  readonly parts: StudyPart[];
  readonly folds: number;
  readonly seed: number;
  readonly pretextEpochs: number;
  readonly finetuneEpochs: number;
  /** Parameters of each baseline (paper-style defaults when empty). */
  readonly baselineParams: Record<string, Params>;
  /** Pre-processing of the baselines (the scikit-learn reference autoscales). */
  readonly baselinePreprocessing: PipelineStep[];
  readonly fractions: number[];
  /** Models of the sweep: "ssl", "supervised" and baseline names. */
  readonly sweepModels: string[];
  readonly depths: number[];
  /** Label fractions of the "auto" part. */
  readonly autoFractions: number[];
  /** Folds keep each group (the dataset's group column, e.g. repeated scans of one sample) whole. */
  readonly grouped?: boolean;
}

export interface StudyOptions {
  readonly preset: StudyPreset;
  readonly parts?: StudyPart[] | null;
  readonly folds?: number | null;
  readonly seed?: number | null;
  readonly pretextEpochs?: number | null;
  readonly finetuneEpochs?: number | null;
  /** Label fractions of the sweep and auto parts (default: the preset's). */
  readonly fractions?: number[] | null;
}

const PRESETS: Record<StudyPreset, Omit<StudySettings, 'parts' | 'preset'>> = {
  // The paper's settings: 100 pretext + 250 fine-tuning epochs, 5 folds, every model in the sweep.
  full: {
    folds: 5,
    seed: 0,
    pretextEpochs: 100,
    finetuneEpochs: 250,
    baselineParams: {},
    baselinePreprocessing: [{ name: 'autoscale' }],
    fractions: [...SWEEP_FRACTIONS],
    sweepModels: ['ssl', 'supervised', ...BASELINE_NAMES],
    depths: [1, 2, 3],
    autoFractions: [...AUTO_FRACTIONS],
  },
  // Minutes, for demos and tests: few epochs, 3 folds, small forests and MLPs.
  quick: {
    folds: 3,
    seed: 0,
    pretextEpochs: 2,
    finetuneEpochs: 3,
    baselineParams: { 'random-forest': { trees: 20 }, bpnn: { hidden: 32, maxEpochs: 30 }, elm: { hidden: 100 } },
    baselinePreprocessing: [{ name: 'autoscale' }],
    fractions: [...SWEEP_FRACTIONS],
    sweepModels: ['ssl', 'pls-da'],
    depths: [1, 2, 3],
    autoFractions: [1],
  },
};

/** "full", or "full at 10 + 30 epochs" where the epochs are not the preset's: names say the budget. */
export function presetLabel(settings: StudySettings): string {
  const preset = PRESETS[settings.preset];
  const sameBudget = preset.pretextEpochs === settings.pretextEpochs && preset.finetuneEpochs === settings.finetuneEpochs;
  return sameBudget ? settings.preset : `${settings.preset} at ${settings.pretextEpochs} + ${settings.finetuneEpochs} epochs`;
}

export function studySettings(options: StudyOptions): StudySettings {
  const base = PRESETS[options.preset];
  if (!base) throw new UserInputError(`unknown study preset "${options.preset}" (quick or full)`);
  const parts = options.parts && options.parts.length > 0 ? [...new Set(options.parts)] : [...STUDY_PARTS];
  for (const part of parts) if (!STUDY_PARTS.includes(part)) throw new UserInputError(`unknown study part "${part}" (${STUDY_PARTS.join(', ')})`);
  const positive = (value: number | null | undefined, name: string, fallback: number): number => {
    if (value === null || value === undefined) return fallback;
    if (!Number.isInteger(value) || value < 1) throw new UserInputError(`${name} must be a positive integer, got ${value}`);
    return value;
  };
  return {
    ...base,
    preset: options.preset,
    parts,
    folds: positive(options.folds, 'folds', base.folds),
    seed: options.seed ?? base.seed,
    pretextEpochs: positive(options.pretextEpochs, 'pretextEpochs', base.pretextEpochs),
    finetuneEpochs: positive(options.finetuneEpochs, 'finetuneEpochs', base.finetuneEpochs),
    ...(options.fractions && options.fractions.length > 0 ? fractionsFrom(options.fractions) : {}),
  };
}

function fractionsFrom(fractions: number[]): Pick<StudySettings, 'fractions' | 'autoFractions'> {
  for (const f of fractions) if (!(f > 0 && f <= 1)) throw new UserInputError(`label fractions must be in (0, 1], got ${f}`);
  const unique = [...new Set(fractions)];
  return { fractions: unique.filter((f) => f < 1), autoFractions: unique };
}

/** One experiment of the study. */
export interface PlannedExperiment {
  /** What it stands for in the report, e.g. "table4:svm", "sweep:0.05:ssl", "fig7:offset", "fig6:2". */
  readonly role: string;
  readonly name: string;
  readonly preprocessing: PipelineStep[];
  readonly model: { plugin: string; params: Params };
  readonly labelFraction: number | null;
}

/** The experiments in queue order: the multi-task SSL runs first, so later runs reuse its encoders. */
export function planStudy(settings: StudySettings): PlannedExperiment[] {
  const ssl = (extra: Params = {}) => ({
    plugin: 'cnn-classifier',
    // The paper's parts reproduce METHOD.md, its transform magnitudes included.
    params: {
      epochs: settings.finetuneEpochs,
      pretext: { epochs: settings.pretextEpochs, magnitudes: 'paper', ...(extra.pretext as Params | undefined) },
      ...omit(extra, 'pretext'),
    },
  });
  const scratch = () => ({ plugin: 'cnn-classifier', params: { epochs: settings.finetuneEpochs, ssl: false } });
  const baseline = (name: string) => ({ plugin: name, params: settings.baselineParams[name] ?? {} });
  const modelFor = (name: string) => (name === 'ssl' ? ssl() : name === 'supervised' ? scratch() : baseline(name));
  const preprocessingFor = (name: string) => (name === 'ssl' || name === 'supervised' ? [] : settings.baselinePreprocessing);
  const has = (part: StudyPart) => settings.parts.includes(part);

  const plan: PlannedExperiment[] = [];
  const add = (role: string, name: string, modelName: string, labelFraction: number | null = null, model = modelFor(modelName)) =>
    plan.push({ role, name, preprocessing: preprocessingFor(modelName), model, labelFraction });

  if (has('table4') || has('sweep') || has('fig7') || has('fig6')) add('table4:ssl', 'SSL (transformation recognition + fine-tuning)', 'ssl');
  if (has('table4')) for (const b of BASELINE_NAMES) add(`table4:${b}`, `baseline ${b}`, b);
  if (has('fig5')) add('fig5:supervised', 'CNN from scratch (supervised)', 'supervised');
  if (has('sweep')) {
    for (const fraction of settings.fractions) {
      for (const m of settings.sweepModels) add(`sweep:${fraction}:${m}`, `${m} on ${fraction * 100}% of the labels`, m, fraction);
    }
  }
  if (has('fig7')) {
    for (const t of SSL_TRANSFORM_NAMES) add(`fig7:${t}`, `SSL pre-trained on ${t} only`, 'ssl', null, ssl({ pretext: { transforms: [t] } }));
  }
  if (has('auto')) {
    // Every choice of these models is made on the training rows (inner validation or inner CV).
    const auto = (ssl: boolean) => ({
      plugin: 'cnn-classifier',
      params: { auto: true, ssl, epochs: settings.finetuneEpochs, ...(ssl ? { pretext: { epochs: settings.pretextEpochs } } : {}) },
    });
    for (const fraction of settings.autoFractions) {
      const labelFraction = fraction >= 1 ? null : fraction;
      const share = `${fraction * 100}% of the labels`;
      add(`auto:${fraction}:ssl`, `SSL, automatic mode, ${share}`, 'ssl', labelFraction, auto(true));
      // At 100 % the table4 part's SSL run is the same experiment at the paper's settings.
      if (labelFraction !== null || !has('table4')) add(`auto:${fraction}:paper`, `SSL at the paper's settings, ${share}`, 'ssl', labelFraction);
      add(`auto:${fraction}:supervised`, `CNN from scratch, automatic mode, ${share}`, 'supervised', labelFraction, auto(false));
      for (const b of BASELINE_NAMES) {
        const tune = TUNABLE_BASELINES.includes(b);
        const params = { ...settings.baselineParams[b], ...(tune ? { tune: true } : {}) };
        add(`auto:${fraction}:${b}`, `baseline ${b}${tune ? ' (tuned)' : ''}, ${share}`, b, labelFraction, { plugin: b, params });
      }
    }
  }
  if (has('fig6')) {
    for (const depth of settings.depths) {
      const model = { plugin: 'ssl-embedding-probe', params: { depth, pretext: { epochs: settings.pretextEpochs, magnitudes: 'paper' } } };
      plan.push({ role: `fig6:${depth}`, name: `embedding of block ${depth} (PLS-DA probe)`, preprocessing: [], model, labelFraction: null });
    }
  }
  return plan;
}

function omit(params: Params, key: string): Params {
  const { [key]: _removed, ...rest } = params;
  return rest;
}
