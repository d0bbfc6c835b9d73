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
}

/** The weights: serialised pre-processing pipeline and classifier (JSON, stored as UTF-8 bytes). */
export interface StoredModelState {
  readonly pipeline: unknown;
  readonly classifier: unknown;
}
