/** Live progress of an experiment (GraphQL subscriptions, and stored for dashboards that poll). */
export interface ExperimentProgress {
  readonly experimentId: string;
  readonly status: ExperimentStatus;
  readonly repeat: number | null;
  readonly fold: number | null;
  readonly foldsDone: number;
  readonly foldsTotal: number;
  /** "pretext", "finetune", "fit" ... from the training loop; null between folds. */
  readonly stage: string | null;
  readonly epoch: number | null;
  readonly epochs: number | null;
  readonly loss: number | null;
  readonly accuracy: number | null;
  readonly at: string;
}

export const EXPERIMENT_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted'] as const;
export type ExperimentStatus = (typeof EXPERIMENT_STATUSES)[number];
export const FINISHED_STATUSES: readonly ExperimentStatus[] = ['succeeded', 'failed', 'cancelled'];
