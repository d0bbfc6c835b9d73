import { gzipSync } from 'node:zlib';
import { decodeBundle, encodeBundle, type ModelBundlePayload } from '../../src/services/models/model-bundle';

describe('model bundle format', () => {
  const payload = {
    model: { id: 'm', name: 'n', createdAt: '2026-01-01T00:00:00.000Z', config: { plugin: 'knn', classes: ['a'], axis: [1, 2] }, metrics: {} },
    experiment: null,
    dataset: null,
    state: { pipeline: { steps: [] }, classifier: {} },
    exportedAt: '2026-01-01T00:00:00.000Z',
  } as unknown as ModelBundlePayload;

  it('round-trips', () => {
    expect(decodeBundle(encodeBundle(payload))).toEqual(payload);
  });

  it('refuses a file that unpacks beyond the limit without unpacking it all', () => {
    const bomb = gzipSync(Buffer.alloc(10 * 1024 * 1024));
    expect(() => decodeBundle(bomb, 1024 * 1024)).toThrow(/unpacks to more than 1048576 bytes/);
  });
});
