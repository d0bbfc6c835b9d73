import { matrix } from '../../src/numeric/matrix';
import { Rng } from '../../src/numeric/rng';
import type { ClassifierPlugin } from '../../src/plugins/contract';
import { TransformPipeline } from '../../src/plugins/transforms/pipeline';
import { createWorkerRegistry } from '../../src/services/experiments/fold-runner';
import { chunkQueue, predictCachedChunks, predictChunks, predictJob } from '../../src/services/models/predict-runner';

describe('predictJob', () => {
  const plugins = { directory: null, packages: [] as string[] };
  const cols = 12;
  async function knnModel() {
    const registry = createWorkerRegistry(plugins);
    const rng = new Rng(3);
    const spectra = (rows: number) => matrix(rows, cols, Float32Array.from({ length: rows * cols }, () => rng.normal()));
    const classifier = registry.create<ClassifierPlugin>('knn', { k: 3 });
    await classifier.fit(spectra(40), Int32Array.from({ length: 40 }, (_, i) => i % 3), 3);
    const state = JSON.stringify({ pipeline: TransformPipeline.fromSteps(registry, [{ name: 'snv' }]).toJSON(), classifier: registry.serialize(classifier) });
    return { state, spectra };
  }

  it('a thread takes the chunks left on the shared counter, each once', async () => {
    const { state, spectra } = await knnModel();
    const x = spectra(1000);
    const shared = new Float32Array(new SharedArrayBuffer(x.data.byteLength));
    shared.set(x.data);
    const next = new Int32Array(new SharedArrayBuffer(4));
    next[0] = 512; // another thread has taken the first two chunks
    const { parts } = await predictChunks({ state, plugins, queue: { x: matrix(1000, cols, shared), next } });
    expect(parts.map((p) => [p.start, p.probabilities.rows])).toEqual([
      [512, 256],
      [768, 232],
    ]);
    const whole = await predictJob({ state, x, plugins, threads: 1 });
    expect(Array.from(parts[1].probabilities.data)).toEqual(Array.from(whole.probabilities.data.subarray(768 * 3)));
  });

  it('shares rows between threads in chunks and returns them in order, as one thread does', async () => {
    const { state, spectra } = await knnModel();
    const x = spectra(1100);
    const one = await predictJob({ state, x, plugins, threads: 1 });
    const two = await predictJob({ state, x, plugins, threads: 2 });
    expect(two.probabilities.rows).toBe(1100);
    expect(two.probabilities.cols).toBe(3);
    expect(Array.from(two.probabilities.data)).toEqual(Array.from(one.probabilities.data));
  });

  it('a warm thread rebuilds a model once per key and predicts from its cache after', async () => {
    const { state, spectra } = await knnModel();
    const x = spectra(300);
    const bytes = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));
    const first = await predictCachedChunks({ modelKey: 'model-a', state: bytes(state), plugins, queue: chunkQueue(x) });
    // The same key with state that cannot be parsed: the cached model answers, the bytes are never read.
    const again = await predictCachedChunks({ modelKey: 'model-a', state: bytes('not json'), plugins, queue: chunkQueue(x) });
    expect(again.parts.map((p) => Array.from(p.probabilities.data))).toEqual(first.parts.map((p) => Array.from(p.probabilities.data)));
    await expect(predictCachedChunks({ modelKey: 'model-b', state: bytes('not json'), plugins, queue: chunkQueue(x) })).rejects.toThrow(SyntaxError);
  });
});
