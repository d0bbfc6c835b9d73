import { UserInputError } from '../../../errors';
import { DEFAULT_ADAM } from '../../../engine/adam';
import { DEFAULT_ENCODER, type EncoderConfig } from '../../../engine/cnn';
import { SCALING_MODES, type ScalerState, type ScalingMode } from '../../../engine/scaling';
import type { EarlyStopping } from '../../../engine/train-loop';
import type { ParamSchema, Params } from '../../params';

/** Parameter schemas and state helpers shared by the CNN plugins. */
export const ENCODER_PARAMS: ParamSchema = {
  blocks: { type: 'integer', default: DEFAULT_ENCODER.blocks, min: 1, max: 8, description: 'Convolution blocks in the encoder' },
  filters: {
    type: 'integerArray',
    default: [...DEFAULT_ENCODER.filters],
    minLength: 1,
    min: 1,
    description: 'Filters per block (the last value repeats for further blocks)',
  },
  kernelSize: { type: 'integer', default: DEFAULT_ENCODER.kernelSize, min: 1, description: 'Convolution kernel size' },
  secondConvPadding: {
    type: 'enum',
    values: ['same', 'valid'],
    default: DEFAULT_ENCODER.secondConvPadding,
    description: "Padding of each block's second convolution",
  },
  batchNormMomentum: {
    type: 'number',
    default: DEFAULT_ENCODER.batchNormMomentum,
    min: 0,
    max: 1,
    description: 'Weight of each batch in the batch-norm running statistics',
  },
  batchNormEpsilon: { type: 'number', default: DEFAULT_ENCODER.batchNormEpsilon, min: 0, exclusiveMin: true, description: 'Batch-norm epsilon' },
};

export function trainingParams(epochs: number): ParamSchema {
  return {
    scaling: {
      type: 'enum',
      values: [...SCALING_MODES],
      default: 'global',
      description: 'Input scaling fitted on training spectra: global mean/std, per-wavelength autoscale, or none',
    },
    epochs: { type: 'integer', default: epochs, min: 1, description: 'Training epochs' },
    batchSize: { type: 'integer', default: 32, min: 2, description: 'Mini-batch size' },
    learningRate: { type: 'number', default: DEFAULT_ADAM.learningRate, min: 0, description: 'Adam learning rate (0 trains nothing: a check that a failed fit is reported)' },
    dropout: { type: 'number', default: 0.5, min: 0, max: 1, exclusiveMax: true, description: 'Dropout rate after each hidden dense layer' },
    seed: { type: 'integer', default: 0, min: 0, max: 4294967295, description: 'Seed of initialisation, shuffling, dropout and transforms' },
    earlyStoppingPatience: {
      type: 'integer',
      default: null,
      nullable: true,
      min: 1,
      description: 'Stop after this many epochs without a lower loss (validation loss when given); null: never',
    },
  };
}

export function encoderConfigFrom(params: Params): EncoderConfig {
  return {
    blocks: params.blocks as number,
    filters: params.filters as number[],
    kernelSize: params.kernelSize as number,
    secondConvPadding: params.secondConvPadding as 'same' | 'valid',
    batchNormEpsilon: params.batchNormEpsilon as number,
    batchNormMomentum: params.batchNormMomentum as number,
  };
}

export function trainingFrom(params: Params): {
  scaling: ScalingMode;
  epochs: number;
  batchSize: number;
  adam: typeof DEFAULT_ADAM;
  dropout: number;
  seed: number;
  earlyStopping: EarlyStopping | null;
} {
  const patience = params.earlyStoppingPatience as number | null;
  return {
    scaling: params.scaling as ScalingMode,
    epochs: params.epochs as number,
    batchSize: params.batchSize as number,
    adam: { ...DEFAULT_ADAM, learningRate: params.learningRate as number },
    dropout: params.dropout as number,
    seed: params.seed as number,
    earlyStopping: patience === null ? null : { patience, minDelta: 0, restoreBest: true },
  };
}

export function bytesToBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

export function base64ToBytes(text: unknown, plugin: string): Uint8Array {
  if (typeof text !== 'string') throw new UserInputError(`${plugin}: invalid state: weights must be a base64 string`);
  return new Uint8Array(Buffer.from(text, 'base64'));
}

export function checkScaler(state: unknown, plugin: string): ScalerState {
  const s = state as Partial<ScalerState> | null;
  if (!s || !SCALING_MODES.includes(s.mode as ScalingMode) || !Array.isArray(s.mean) || !Array.isArray(s.std)) {
    throw new UserInputError(`${plugin}: invalid state: bad scaler`);
  }
  return s as ScalerState;
}

export function positiveInteger(value: unknown, what: string, plugin: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new UserInputError(`${plugin}: invalid state: ${what} must be a positive integer`);
  }
  return value;
}
