import { initBackend } from '../src/engine/backend';
import { ClassifierModel, type ClassifierConfig } from '../src/engine/classifier';
import { PretextModel, type PretextConfig, type PretextMetrics } from '../src/engine/pretext';
import type { TrainingProgress } from '../src/engine/training';
import { matrix, selectRows, type Matrix } from '../src/numeric/matrix';
import { classificationReport } from '../src/numeric/metrics';
import { createSslTransform } from '../src/plugins/transforms';

/**
 * Training jobs with plain-data arguments and results, meant for runInWorker (they initialise
 * the backend of the thread they run in). One fold of the SSL protocol: pre-train on the
 * training spectra, score the pretext task on the test spectra, fine-tune, score the classifier.
 */
export interface FoldJobArgs {
  readonly x: { rows: number; cols: number; data: Float32Array };
  readonly y: Int32Array;
  readonly nClasses: number;
  readonly train: Int32Array;
  readonly test: Int32Array;
  /** null: no pre-training (the classifier starts from scratch). */
  readonly pretext: PretextConfig | null;
  readonly classifier: ClassifierConfig;
}

export interface FoldJobResult {
  readonly backend: string;
  readonly accuracy: number;
  readonly macroF1: number;
  readonly pretext: PretextMetrics | null;
  readonly pretextSeconds: number;
  readonly finetuneSeconds: number;
}

export async function sslFoldJob(args: FoldJobArgs, report?: (p: TrainingProgress) => void): Promise<FoldJobResult> {
  const info = await initBackend();
  const x: Matrix = matrix(args.x.rows, args.x.cols, args.x.data);
  const xTrain = selectRows(x, args.train);
  const xTest = selectRows(x, args.test);
  const yTrain = Int32Array.from(args.train, (i) => args.y[i]);
  const yTest = Int32Array.from(args.test, (i) => args.y[i]);
  let encoderBytes: Uint8Array | null = null;
  let pretextMetrics: PretextMetrics | null = null;
  const t0 = Date.now();
  if (args.pretext) {
    const { model } = await PretextModel.train(xTrain, args.pretext, createSslTransform, { onProgress: report });
    try {
      pretextMetrics = model.evaluate(xTest);
      encoderBytes = model.encoderBytes();
    } finally {
      model.dispose();
    }
  }
  const t1 = Date.now();
  const { model } = await ClassifierModel.train(xTrain, yTrain, args.nClasses, args.classifier, {
    pretrainedEncoder: encoderBytes,
    onProgress: report,
  });
  try {
    const report2 = classificationReport(yTest, model.predict(xTest), args.nClasses);
    return {
      backend: info.name,
      accuracy: report2.accuracy,
      macroF1: report2.macroF1,
      pretext: pretextMetrics,
      pretextSeconds: (t1 - t0) / 1000,
      finetuneSeconds: (Date.now() - t1) / 1000,
    };
  } finally {
    model.dispose();
  }
}
