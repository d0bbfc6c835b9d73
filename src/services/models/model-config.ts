import type { DomainLimits, DomainModel } from '../../numeric/pca-domain';
import type { ExperimentSpec } from '../experiments/experiment-spec';
import type { AxisUnit } from '../datasets/spectra-csv';

/** What a stored model needs besides its weights: how it was made and what it expects. */
export interface StoredModelConfig {
  readonly plugin: string;
  readonly spec: ExperimentSpec;
  /** Class names, in the order of the model's outputs. */
  readonly classes: string[];
  /** The spectral axis the model was trained on; other axes are resampled onto it. */
  readonly axis: number[];
  readonly axisUnit: AxisUnit;
  readonly backend: string | null;
  readonly trainedOn: number;
  /**
   * The applicability domain's size and limits (the PCA model itself is in the state); absent
   * for models trained before it existed, whose predictions carry no T² or Q.
   */
  readonly domain?: DomainSummary | null;
  /** Where the model came from when it was imported from a bundle (see model-bundle.ts). */
  readonly imported?: { readonly fileName: string | null; readonly at: string; readonly experiment: unknown } | null;
}

/** What a client sees of a model's PCA applicability domain. */
export interface DomainSummary extends DomainLimits {
  readonly components: number;
  readonly trainRows: number;
  readonly explainedVariance: number;
  readonly qMethod: DomainModel['qMethod'];
}

export function domainSummary(domain: DomainModel): DomainSummary {
  const { components, trainRows, explainedVariance, qMethod, t2Limit95, t2Limit99, qLimit95, qLimit99 } = domain;
  return { components, trainRows, explainedVariance, qMethod, t2Limit95, t2Limit99, qLimit95, qLimit99 };
}

/** The weights: serialised pre-processing pipeline and classifier (JSON, stored as UTF-8 bytes). */
export interface StoredModelState {
  readonly pipeline: unknown;
  readonly classifier: unknown;
  /** The PCA model of the pre-processed training spectra (absent for models trained before it existed). */
  readonly domain?: DomainModel | null;
}
