import type { ClassifierPlugin } from '../../plugins/contract';
import { isSslPretrainable } from '../../plugins/models/cnn/ssl-pretrainable';
import type { Params } from '../../plugins/params';
import { STREAM_VARIANTS_BYTES } from '../../engine/pretext';

/**
 * A fold's working set, estimated before it starts so that the training slots do not start folds
 * that cannot fit in memory together (a Coal-sized set, 5016 x 1499, pre-trains on 4013 x 7
 * variants = 168 MB of float32 alone). Rough by design: it counts the large arrays, not every
 * temporary.
 */
export interface FoldShape {
  /** Rows of the whole dataset: the worker receives a copy of all of them. */
  readonly datasetRows: number;
  readonly trainRows: number;
  /** Spectra pre-training sees (training rows, unlabelled rows, extra datasets); trainRows when omitted. */
  readonly pretrainRows?: number;
  /** Points per spectrum. */
  readonly length: number;
  /** The pretext task's shape when the fold pre-trains an encoder, else null. */
  readonly pretext: PretextShape | null;
}

export interface PretextShape {
  /** Variants per spectrum: the raw one and one per transform. */
  readonly variants: number;
  readonly batchSize: number;
  /** Feature-map channels per input point summed over the blocks (each block halves the length). */
  readonly channelsPerPoint: number;
}

const FLOAT32 = 4;
/** A worker thread with V8, the plugins and the wasm engine loaded, before any data. */
const WORKER_BASE_BYTES = 64 * 1024 * 1024;
/** Copies of the training rows alive at once: the selected rows, a pre-processing step's input and output. */
const TRAINING_COPIES = 3;
/** The variants are alive twice while the pretext set is built: each transform's output and the stacked set. */
const VARIANT_COPIES = 2;
/** Per conv activation: the forward value, its gradient and the batch-norm/ReLU intermediate. */
const ACTIVATION_COPIES = 3;
/** Two convolutions per block. */
const CONVS_PER_BLOCK = 2;

export function estimateFoldBytes(shape: FoldShape): number {
  const rowBytes = shape.length * FLOAT32;
  let bytes = WORKER_BASE_BYTES + rowBytes * (shape.datasetRows + TRAINING_COPIES * shape.trainRows);
  if (shape.pretext) {
    const { variants, batchSize, channelsPerPoint } = shape.pretext;
    const pretrainRows = shape.pretrainRows ?? shape.trainRows;
    // Above the limit pre-training streams its variants: one batch of them, plus the scaled spectra.
    const variantBytes = variants * pretrainRows * rowBytes;
    bytes += variantBytes > STREAM_VARIANTS_BYTES ? pretrainRows * rowBytes + variants * batchSize * rowBytes : VARIANT_COPIES * variantBytes;
    bytes += ACTIVATION_COPIES * CONVS_PER_BLOCK * batchSize * channelsPerPoint * rowBytes;
  }
  return bytes;
}

/** The pretext shape of a classifier that pre-trains (transformation recognition), else null. */
export function pretextShapeOf(classifier: ClassifierPlugin): PretextShape | null {
  if (!isSslPretrainable(classifier) || !classifier.usesSslPretraining()) return null;
  const params: Params = classifier.pretextParams();
  const filters = params.filters as number[];
  const blocks = params.blocks as number;
  let channelsPerPoint = 0;
  for (let block = 0; block < blocks; block++) channelsPerPoint += filters[Math.min(block, filters.length - 1)] / 2 ** block;
  return {
    variants: (params.transforms as string[]).length + 1,
    batchSize: params.batchSize as number,
    channelsPerPoint,
  };
}
