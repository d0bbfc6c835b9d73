import { WarmWorkers } from '../../src/engine/warm-workers';
import { matrix } from '../../src/numeric/matrix';
import { Rng } from '../../src/numeric/rng';
import type { ClassifierPlugin } from '../../src/plugins/contract';
import { TransformPipeline } from '../../src/plugins/transforms/pipeline';
import { createWorkerRegistry } from '../../src/services/experiments/fold-runner';
import { chunkQueue, predictCachedChunks, predictOnPool } from '../../src/services/models/predict-runner';

describe('predictions on warm threads', () => {
  const plugins = { directory: null, packages: [] as string[] };
  const cols = 12;
  const bytes = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));
  async function knnModel() {
    const registry = createWorkerRegistry(plugins);
    const rng = new Rng(3);
    const spectra = (rows: number) => matrix(rows, cols, Float32Array.from({ length: rows * cols }, () => rng.normal()));
    const classifier = registry.create<ClassifierPlugin>('knn', { k: 3 });
    await classifier.fit(spectra(40), Int32Array.from({ length: 40 }, (_, i) => i % 3), 3);
    const state = JSON.stringify({ pipeline: TransformPipeline.fromSteps(registry, [{ name: 'snv' }]).toJSON(), classifier: registry.serialize(classifier) });
    return { state, spectra, classifier, registry };
  }

  it('a thread takes the chunks left on the shared counter, each once', async () => {
    const { state, spectra } = await knnModel();
    const x = spectra(1000);
    const queue = chunkQueue(x);
    queue.next[0] = 512; // another thread has taken the first two chunks
    const { parts } = await predictCachedChunks({ modelKey: 'counter', state: bytes(state), plugins, queue });
    expect(parts.map((p) => [p.start, p.probabilities.rows])).toEqual([
      [512, 256],
      [768, 232],
    ]);
  });

  it('shares rows between threads in chunks and returns them in order, as the model predicts them', async () => {
    const { state, spectra, classifier, registry } = await knnModel();
    const x = spectra(1100);
    const expected = await classifier.predictProba(TransformPipeline.fromSteps(registry, [{ name: 'snv' }]).transform(x));
    for (const size of [1, 2]) {
      const pool = new WarmWorkers(size);
      try {
        const { probabilities } = await predictOnPool(pool, { modelKey: 'm', state: bytes(state), plugins, x });
        expect([probabilities.rows, probabilities.cols]).toEqual([1100, 3]);
        expect(Array.from(probabilities.data)).toEqual(Array.from(expected.data));
        expect(pool.started).toBe(size);
      } finally {
        await pool.close();
      }
    }
  });

  it('a warm thread rebuilds a model once per key and predicts from its cache after', async () => {
    const { state, spectra } = await knnModel();
    const x = spectra(300);
    const first = await predictCachedChunks({ modelKey: 'model-a', state: bytes(state), plugins, queue: chunkQueue(x) });
    // The same key with state that cannot be parsed: the cached model answers, the bytes are never read.
    const again = await predictCachedChunks({ modelKey: 'model-a', state: bytes('not json'), plugins, queue: chunkQueue(x) });
    expect(again.parts.map((p) => Array.from(p.probabilities.data))).toEqual(first.parts.map((p) => Array.from(p.probabilities.data)));
    await expect(predictCachedChunks({ modelKey: 'model-b', state: bytes('not json'), plugins, queue: chunkQueue(x) })).rejects.toThrow(SyntaxError);
  });
});
