import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/paths';
import { ok, startTestServer, syntheticCsv, tempDir, type TestServer } from '../helpers/server';

interface PluginRow {
  name: string;
  kind: string | null;
  source: string;
  error: string | null;
  parameters: { name: string; type: string; default: unknown; min: number | null }[];
}

describe('plugins over GraphQL', () => {
  let server: TestServer;
  let datasetId: string;

  beforeAll(async () => {
    // The example custom plugin and a broken one, loaded from a plugins directory.
    const pluginsDir = tempDir('plugins');
    fs.copyFileSync(path.join(PROJECT_ROOT, 'examples/plugins/rubber-band.js'), path.join(pluginsDir, 'rubber-band.js'));
    fs.writeFileSync(path.join(pluginsDir, 'broken.js'), "throw new Error('cannot load me');\n");
    server = await startTestServer({ databaseUrl: `file:${path.join(tempDir('plugins-db'), 'db.sqlite')}`, pluginsDir });
    datasetId = ok(
      await server.gql<{ importDataset: { id: string } }>('mutation($input: ImportDatasetInput!) { importDataset(input: $input) { id } }', {
        input: { name: 'preview-set', content: syntheticCsv({ classes: 2, perClass: 3, length: 16 }) },
      }),
    ).importDataset.id;
  });
  afterAll(() => server.close());

  it('lists plugins by kind with their parameter schemas, custom and broken ones included', async () => {
    const { plugins } = ok(await server.gql<{ plugins: PluginRow[] }>('{ plugins(kind: TRANSFORM) { name kind source error parameters { name type default min } } }'));
    const byName = new Map(plugins.map((p) => [p.name, p]));
    for (const name of ['add-noise', 'offset', 'multiplication', 'horizontal-flip', 'vertical-flip', 'permutation', 'snv', 'msc', 'savitzky-golay']) {
      expect(byName.get(name)).toMatchObject({ kind: 'TRANSFORM', source: 'builtin', error: null });
    }
    expect(byName.get('permutation')!.parameters).toContainEqual({ name: 'segments', type: 'integer', default: 8, min: 2 });
    expect(byName.get('rubber-band')).toMatchObject({ kind: 'TRANSFORM', error: null, source: expect.stringContaining('rubber-band.js') });
    const all = ok(await server.gql<{ plugins: PluginRow[] }>('{ plugins { name kind source error } }')).plugins;
    expect(all.find((p) => p.source.endsWith('broken.js'))).toMatchObject({ error: expect.stringContaining('cannot load me') });
  });

  it('previews a pipeline on chosen samples', async () => {
    const { previewTransform } = ok(
      await server.gql<{ previewTransform: { axis: number[]; samples: { index: number; original: number[]; transformed: number[] }[] } }>(
        `query($id: ID!, $steps: [PipelineStepInput!]!) { previewTransform(datasetId: $id, steps: $steps, sampleIndices: [1, 4]) { axis samples { index label original transformed } } }`,
        { id: datasetId, steps: [{ name: 'horizontal-flip' }, { name: 'snv' }] },
      ),
    );
    expect(previewTransform.axis).toHaveLength(16);
    expect(previewTransform.samples.map((s) => s.index)).toEqual([1, 4]);
    for (const s of previewTransform.samples) {
      const reversed = [...s.original].reverse();
      const mean = reversed.reduce((a, b) => a + b, 0) / reversed.length;
      // SNV divides by the population standard deviation (as chemotools does).
      const std = Math.sqrt(reversed.reduce((a, v) => a + (v - mean) ** 2, 0) / reversed.length);
      s.transformed.forEach((v, j) => expect(v).toBeCloseTo((reversed[j] - mean) / std, 3));
    }
    const custom = ok(
      await server.gql<{ previewTransform: { samples: { transformed: number[] }[] } }>(
        `query($id: ID!) { previewTransform(datasetId: $id, steps: [{ name: "rubber-band" }], sampleIndices: [0]) { samples { transformed } } }`,
        { id: datasetId },
      ),
    );
    expect(Math.min(...custom.previewTransform.samples[0].transformed)).toBeCloseTo(0, 5);
  });

  it('rejects a bad step or sample with BAD_USER_INPUT naming it', async () => {
    const query = `query($id: ID!, $steps: [PipelineStepInput!]!, $idx: [Int!]!) { previewTransform(datasetId: $id, steps: $steps, sampleIndices: $idx) { axis } }`;
    const badParam = await server.gql(query, { id: datasetId, steps: [{ name: 'snv' }, { name: 'savitzky-golay', params: { window: 4 } }], idx: [0] });
    expect(badParam.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(badParam.errors?.[0].message).toMatch(/pipeline step 1 \("savitzky-golay"\).*window/);
    const unknown = await server.gql(query, { id: datasetId, steps: [{ name: 'no-such-transform' }], idx: [0] });
    expect(unknown.errors?.[0].message).toMatch(/no-such-transform/);
    const outOfRange = await server.gql(query, { id: datasetId, steps: [{ name: 'snv' }], idx: [99] });
    expect(outOfRange.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(outOfRange.errors?.[0].message).toMatch(/sample index 99 is out of range/);
  });
});
