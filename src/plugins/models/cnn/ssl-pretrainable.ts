import type { Matrix } from '../../../numeric/matrix';
import type { FitOptions } from '../../contract';
import type { Params } from '../../params';
import type { EncoderState } from './cnn-encoder.plugin';

/**
 * A classifier whose encoder can be pre-trained by transformation recognition. The experiment
 * runner pre-trains on the whole training fold (reusing an encoder already trained on it) and
 * hands the encoder over before fit(), which then sees only the labelled rows.
 */
export interface SslPretrainable {
  /** True when fit() would start from a pre-trained encoder. */
  usesSslPretraining(): boolean;
  /** Validated parameters of the transformation-recognition stage. */
  pretextParams(): Params;
  setPretrainedEncoder(state: EncoderState | null): void;
  /** Choices pre-training depends on, made on the labelled rows before pretextParams() is read. */
  prepare?(x: Matrix, y: Int32Array, nClasses: number, options?: FitOptions): Promise<void>;
  /** True when prepare() makes label-dependent choices: an encoder is then reused only for the same labelled rows. */
  pretextChoiceUsesLabels?(): boolean;
}

export function isSslPretrainable(value: unknown): value is SslPretrainable {
  const v = value as Partial<SslPretrainable> | null;
  return !!v && typeof v.usesSslPretraining === 'function' && typeof v.pretextParams === 'function' && typeof v.setPretrainedEncoder === 'function';
}
