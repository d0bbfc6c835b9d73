import type { PluginDefinition } from '../../contract';
import { cnnClassifierPlugin } from './cnn-classifier.plugin';
import { cnnEncoderPlugin } from './cnn-encoder.plugin';
import { sslEmbeddingProbePlugin } from './ssl-embedding-probe.plugin';
import { transformationRecognitionPlugin } from './transformation-recognition.plugin';

/** The CNN plugins: encoder, pretext task and classifier of the SSL method. */
export const CNN_PLUGINS: PluginDefinition[] = [cnnEncoderPlugin, transformationRecognitionPlugin, cnnClassifierPlugin, sslEmbeddingProbePlugin];
