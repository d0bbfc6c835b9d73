import type { ScalingMode } from '../src/engine/scaling';
import type { Matrix } from '../src/numeric/matrix';
import type { ClassifierPlugin } from '../src/plugins/contract';
import type { PluginRegistry } from '../src/plugins/registry';
import type { EncoderState } from '../src/plugins/models/cnn/cnn-encoder.plugin';
import type { CnnClassifierPlugin } from '../src/plugins/models/cnn/cnn-classifier.plugin';
import type { TransformationRecognitionPlugin } from '../src/plugins/models/cnn/transformation-recognition.plugin';

/**
 * What the automatic mode's diagnostics share: the SSL classifier as the studies run it (30 pretext
 * and at most 200 fine-tuning epochs), and its encoder pre-trained on a fold's spectra.
 */
export type SslClassifier = CnnClassifierPlugin & ClassifierPlugin;

/** The automatic SSL classifier with the studies' budget; `scalings` are the ones its scaling choice compares. */
export function studySslClassifier(registry: PluginRegistry, scaling: string, scalings: readonly string[] = [scaling]): SslClassifier {
  return registry.create<SslClassifier>('cnn-classifier', {
    auto: true,
    ssl: true,
    scaling: scaling as ScalingMode,
    autoScalings: [...scalings],
    epochs: 200,
    pretext: { epochs: 30 },
  });
}

/** Pre-trains the classifier's pretext stage on `x` (no labels) and returns the encoder. */
export async function pretrainEncoder(registry: PluginRegistry, classifier: SslClassifier, x: Matrix): Promise<EncoderState> {
  const recogniser = registry.create<TransformationRecognitionPlugin>('transformation-recognition', classifier.pretextParams());
  try {
    await recogniser.fit(x);
    return await recogniser.encoderState();
  } finally {
    recogniser.dispose();
  }
}
