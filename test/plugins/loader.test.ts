import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromRows, toRows } from '../../src/numeric/matrix';
import type { TransformPlugin } from '../../src/plugins/contract';
import { loadCustomPlugins, pluginSourcesFromEnv } from '../../src/plugins/loader';
import { PluginRegistry } from '../../src/plugins/registry';
import { TRANSFORM_PLUGINS } from '../../src/plugins/transforms';

const EXAMPLES = join(__dirname, '../../examples/plugins');

/** A valid CommonJS transform definition with the given name, exported as `exportAs`. */
function moduleSource(name: string, exportAs: string, params = '{}'): string {
  return `const definition = {
  name: ${JSON.stringify(name)}, kind: 'transform', description: 'test plugin', params: ${params},
  create: (params) => ({ meta: definition, params, requiresFit: false, isFitted: true,
    getState: () => null, setState() {}, fit() { return this; }, transform: (x) => x }),
};
${exportAs};
`;
}

describe('loadCustomPlugins', () => {
  let directory: string;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'nir-ssl-plugins-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('loads the example rubber-band plugin, which removes a sloped baseline under a band', () => {
    const registry = new PluginRegistry(TRANSFORM_PLUGINS);
    const report = loadCustomPlugins(registry, { directory: EXAMPLES });
    expect(report).toEqual({ loaded: [{ name: 'rubber-band', kind: 'transform', source: join(EXAMPLES, 'rubber-band.js') }], failed: [] });
    // Baseline 1 + 0.5 j under a band of height 2 at j = 2: the hull is the line through the ends.
    const spectrum = [1, 1.5, 4, 2.5, 3];
    const out = registry.create<TransformPlugin>('rubber-band').transform(fromRows([spectrum]));
    expect(toRows(out)[0]).toEqual([0, 0, 2, 0, 0]);
    // Anchored on range minima only (points 1 and 4 here), the band may pass above other points.
    const spectrumWithDip = fromRows([[1, 0, 0.25, 2, 1.5, 3]]);
    const everyPoint = registry.create<TransformPlugin>('rubber-band').transform(spectrumWithDip);
    expect(toRows(everyPoint)[0]).toEqual([0, 0, 0, 1.125, 0, 0]);
    const rangeMinima = registry.create<TransformPlugin>('rubber-band', { ranges: 2 }).transform(spectrumWithDip);
    expect(toRows(rangeMinima)[0]).toEqual([0, 0, -0.25, 1, 0, 0]);
  });

  it('records broken modules with their error and keeps loading the others', () => {
    writeFileSync(join(directory, 'a-throws.js'), "throw new Error('cannot start: missing licence file');\n");
    writeFileSync(
      join(directory, 'b-bad-schema.js'),
      moduleSource('bad-schema', 'module.exports = definition', "{ width: { type: 'integer', description: 'no default' } }"),
    );
    writeFileSync(join(directory, 'c-duplicate.cjs'), moduleSource('snv', 'module.exports.plugin = definition'));
    writeFileSync(join(directory, 'd-empty.js'), 'module.exports = { answer: 42 };\n');
    writeFileSync(join(directory, 'e-good.js'), moduleSource('good-one', 'module.exports.default = definition'));
    writeFileSync(join(directory, 'notes.txt'), 'not a module');
    const registry = new PluginRegistry(TRANSFORM_PLUGINS);

    const report = loadCustomPlugins(registry, { directory });

    expect(report.loaded.map((p) => p.name)).toEqual(['good-one']);
    expect(report.failed).toEqual([
      { name: 'a-throws', source: join(directory, 'a-throws.js'), error: 'cannot start: missing licence file' },
      { name: 'bad-schema', source: join(directory, 'b-bad-schema.js'), error: expect.stringMatching(/"width" needs a default/) },
      { name: 'snv', source: join(directory, 'c-duplicate.cjs'), error: expect.stringMatching(/duplicates the one from builtin/) },
      { name: 'd-empty', source: join(directory, 'd-empty.js'), error: expect.stringMatching(/exports no plugin definition/) },
    ]);
    expect(registry.has('good-one')).toBe(true);
    expect(registry.get('snv')).toBe(TRANSFORM_PLUGINS.find((d) => d.name === 'snv'));
    expect(registry.entriesList().filter((e) => e.error).map((e) => [e.name, e.kind])).toEqual([
      ['a-throws', null],
      ['bad-schema', 'transform'],
      ['snv', 'transform'],
      ['d-empty', null],
    ]);
  });

  it('loads every definition of a plugins array and npm packages by name', () => {
    const packageDir = join(directory, 'node_modules', 'nir-ssl-plugin-pair');
    require('node:fs').mkdirSync(packageDir, { recursive: true });
    writeFileSync(
      join(packageDir, 'index.js'),
      moduleSource('pair-one', 'module.exports.plugins = [definition, { ...definition, name: "pair-two" }, null]'),
    );
    const registry = new PluginRegistry([]);
    const cwd = process.cwd();
    process.chdir(directory);
    try {
      const report = loadCustomPlugins(registry, { packages: ['nir-ssl-plugin-pair', 'nir-ssl-plugin-missing'] });
      expect(report.loaded.map((p) => p.name)).toEqual(['pair-one', 'pair-two']);
      expect(report.failed.map((f) => [f.name, f.source])).toEqual([
        ['nir-ssl-plugin-pair', 'nir-ssl-plugin-pair'],
        ['nir-ssl-plugin-missing', 'nir-ssl-plugin-missing'],
      ]);
      expect(report.failed[1].error).toMatch(/Cannot (find|resolve) module/);
    } finally {
      process.chdir(cwd);
    }
  });

  it('reports an unreadable directory instead of throwing', () => {
    const registry = new PluginRegistry([]);
    const report = loadCustomPlugins(registry, { directory: join(directory, 'missing') });
    expect(report.loaded).toEqual([]);
    expect(report.failed).toEqual([expect.objectContaining({ name: 'missing', error: expect.stringMatching(/cannot read plugin directory/) })]);
  });

  it('reads its sources from NIR_SSL_PLUGINS_DIR and NIR_SSL_PLUGIN_PACKAGES', () => {
    expect(pluginSourcesFromEnv({ NIR_SSL_PLUGINS_DIR: '/opt/plugins', NIR_SSL_PLUGIN_PACKAGES: ' a, @lab/b ,,' })).toEqual({
      directory: '/opt/plugins',
      packages: ['a', '@lab/b'],
    });
    expect(pluginSourcesFromEnv({})).toEqual({ directory: undefined, packages: [] });
  });
});
