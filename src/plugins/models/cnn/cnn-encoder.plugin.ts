import { initBackend } from '../../../engine/backend';
import { embedWith } from '../../../engine/classifier';
import { Encoder, ParameterStore, type EncoderConfig } from '../../../engine/cnn';
import type { ScalerState } from '../../../engine/scaling';
import { bytesToArrays, loadArraysIntoStore } from '../../../engine/weights';
import { UserInputError } from '../../../errors';
import type { Matrix } from '../../../numeric/matrix';
import { Rng } from '../../../numeric/rng';
import type { PluginDefinition, PluginInstance, PluginMeta } from '../../contract';
import type { Params } from '../../params';
import { ENCODER_PARAMS, base64ToBytes, bytesToBase64, checkScaler, encoderConfigFrom, positiveInteger } from './shared';

/** Pre-trained encoder weights as they travel between plugins (JSON-safe). */
export interface EncoderState {
  readonly inputLength: number;
  readonly scaler: ScalerState;
  /** weights.ts bytes of the encoder's parameters, base64. */
  readonly weights: string;
}

export function checkEncoderState(state: unknown, plugin: string): EncoderState {
  const s = state as Partial<EncoderState> | null;
  if (!s || typeof s !== 'object') throw new UserInputError(`${plugin}: invalid encoder state`);
  positiveInteger(s.inputLength, 'inputLength', plugin);
  checkScaler(s.scaler, plugin);
  base64ToBytes(s.weights, plugin);
  return s as EncoderState;
}

/**
 * The 1-D CNN encoder of METHOD.md as a plugin: its architecture (parameters) and, once set from
 * a pretext run, its pre-trained weights, from which it extracts embeddings at block 1, 2 or 3.
 */
export class CnnEncoderPlugin implements PluginInstance {
  private state: EncoderState | null = null;

  constructor(
    readonly meta: PluginMeta,
    readonly params: Readonly<Params>,
  ) {}

  get config(): EncoderConfig {
    return encoderConfigFrom(this.params);
  }

  get hasWeights(): boolean {
    return this.state !== null;
  }

  getState(): unknown {
    return this.state;
  }

  setState(state: unknown): void {
    this.state = state === null || state === undefined ? null : checkEncoderState(state, this.meta.name);
  }

  /** Flattened features of block `depth` (1..blocks) for spectra x. */
  async embed(x: Matrix, depth: number): Promise<Matrix> {
    if (!this.state) throw new UserInputError(`${this.meta.name}: no pre-trained weights (set its state from a pretext run)`);
    if (x.cols !== this.state.inputLength) {
      throw new UserInputError(`${this.meta.name}: weights are for ${this.state.inputLength} points, got ${x.cols}`);
    }
    await initBackend();
    const store = new ParameterStore();
    try {
      const encoder = new Encoder(this.config, this.state.inputLength, store).initialise(new Rng(0));
      loadArraysIntoStore(store, bytesToArrays(base64ToBytes(this.state.weights, this.meta.name)));
      return embedWith(encoder, this.state.scaler, x, depth);
    } finally {
      store.dispose();
    }
  }

  static stateFrom(inputLength: number, scaler: ScalerState, bytes: Uint8Array): EncoderState {
    return { inputLength, scaler, weights: bytesToBase64(bytes) };
  }
}

export const cnnEncoderPlugin: PluginDefinition<CnnEncoderPlugin> = {
  name: 'cnn-encoder',
  kind: 'encoder',
  description: '1-D CNN encoder (conv-conv-batchnorm-relu-maxpool blocks) with embeddings from any block',
  tags: ['ssl', 'cnn'],
  params: ENCODER_PARAMS,
  create: (params) => new CnnEncoderPlugin(cnnEncoderPlugin, params),
};
