/**
 * What training reports and how it is steered: shared by the engine's loops and the plugins that
 * wrap them (src/plugins/contract.ts re-exports them), so the engine needs nothing of the plugins.
 */
export interface TrainingProgress {
  readonly stage: string;
  readonly epoch: number;
  readonly epochs: number;
  readonly loss: number;
  readonly accuracy?: number;
  readonly extra?: Record<string, number>;
}

export interface FitOptions {
  /** Aborting stops training at the next batch with a CancelledError. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: TrainingProgress) => void;
  /** The group of each training row (repeated scans of one sample): inner splits keep a group together. */
  readonly groups?: readonly (string | number)[] | null;
}
