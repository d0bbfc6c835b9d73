import { join } from 'node:path';
import { cloneMatrix, isFiniteMatrix, matrix, type Matrix } from '../../src/numeric/matrix';
import { Rng } from '../../src/numeric/rng';
import type { PluginDefinition, TransformPlugin } from '../../src/plugins/contract';
import { loadCustomPlugins } from '../../src/plugins/loader';
import { ParamError, type ParamSpec } from '../../src/plugins/params';
import { PluginRegistry } from '../../src/plugins/registry';
import { TRANSFORM_PLUGINS } from '../../src/plugins/transforms';

/**
 * The transform contract, checked generically on every registered transform: the built-ins and
 * the example custom plugin loaded the way the server loads it.
 */
const registry = new PluginRegistry(TRANSFORM_PLUGINS);
const loadReport = loadCustomPlugins(registry, { directory: join(__dirname, '../../examples/plugins') });
const definitions = registry.list('transform');

const WAVELENGTHS = 64;

/** NIR-like spectra: a sloped baseline, two absorption bands, scatter (a * x + b) and noise. */
function spectra(rows: number, seed: number): Matrix {
  const rng = new Rng(seed);
  const data = new Float32Array(rows * WAVELENGTHS);
  for (let r = 0; r < rows; r++) {
    const scale = rng.uniform(0.8, 1.2);
    const shift = rng.uniform(-0.1, 0.1);
    const slope = rng.uniform(0, 0.004);
    for (let j = 0; j < WAVELENGTHS; j++) {
      const bands = Math.exp(-(((j - 20) / 5) ** 2)) + 0.6 * Math.exp(-(((j - 45) / 8) ** 2));
      data[r * WAVELENGTHS + j] = scale * (0.5 + bands) + shift + slope * j + 0.01 * rng.normal();
    }
  }
  return matrix(rows, WAVELENGTHS, data);
}

/** Values each parameter's schema must refuse, derived from its type and bounds. */
function invalidValues(spec: ParamSpec): unknown[] {
  const values: unknown[] = spec.nullable || spec.type === 'json' ? [] : [null];
  switch (spec.type) {
    case 'number':
    case 'integer':
      values.push('1', Number.NaN, Number.POSITIVE_INFINITY);
      if (spec.min !== undefined) values.push(spec.exclusiveMin ? spec.min : spec.min - 1);
      if (spec.max !== undefined) values.push(spec.exclusiveMax ? spec.max : spec.max + 1);
      if (spec.type === 'integer') values.push((spec.min ?? 0) + 0.5);
      return values;
    case 'boolean':
      return [...values, 'true', 1];
    case 'string':
      return [...values, 42];
    case 'enum':
      return [...values, `not-${spec.values.join('-')}`];
    case 'numberArray':
    case 'integerArray':
    case 'stringArray':
      return [...values, 'not an array', spec.type === 'stringArray' ? [1] : ['x']];
    case 'json':
      return values;
  }
}

const train = spectra(24, 1);
const test = spectra(12, 2);

function fitted(name: string, params: Record<string, unknown> = {}): TransformPlugin {
  return registry.create<TransformPlugin>(name, params, 'transform').fit(train);
}

it('loads the example custom plugin next to the built-ins', () => {
  expect(loadReport.failed).toEqual([]);
  expect(loadReport.loaded.map((p) => p.name)).toEqual(['rubber-band']);
  expect(definitions.map((d) => d.name)).toEqual(
    expect.arrayContaining([...TRANSFORM_PLUGINS.map((d) => d.name), 'rubber-band']),
  );
});

describe.each(definitions.map((d): [string, PluginDefinition] => [d.name, d]))('transform %s', (name, definition) => {
  const isRandom = 'seed' in definition.params;

  it('keeps the shape and gives finite output', () => {
    const out = fitted(name).transform(test);
    expect([out.rows, out.cols]).toEqual([test.rows, test.cols]);
    expect(out.data).toBeInstanceOf(Float32Array);
    expect(isFiniteMatrix(out)).toBe(true);
  });

  it('does not modify its input', () => {
    const trainCopy = cloneMatrix(train);
    const testCopy = cloneMatrix(test);
    fitted(name).transform(test, new Rng(3));
    expect(train.data).toEqual(trainCopy.data);
    expect(test.data).toEqual(testCopy.data);
  });

  it('repeats under the same seed', () => {
    const plugin = fitted(name);
    expect(plugin.transform(test, new Rng(5)).data).toEqual(plugin.transform(test, new Rng(5)).data);
    expect(plugin.transform(test).data).toEqual(fitted(name).transform(test).data);
  });

  if (isRandom) {
    it('differs under different seeds', () => {
      const plugin = fitted(name);
      expect(plugin.transform(test, new Rng(1)).data).not.toEqual(plugin.transform(test, new Rng(2)).data);
      expect(fitted(name, { seed: 1 }).transform(test).data).not.toEqual(fitted(name, { seed: 2 }).transform(test).data);
    });
  } else {
    it('does not depend on the random generator', () => {
      const plugin = fitted(name);
      expect(plugin.transform(test, new Rng(1)).data).toEqual(plugin.transform(test, new Rng(2)).data);
    });
  }

  it('rejects invalid parameters', () => {
    expect(() => registry.create(name, { notAParameter: 1 })).toThrow(ParamError);
    for (const [param, spec] of Object.entries(definition.params)) {
      for (const value of invalidValues(spec)) {
        expect(() => registry.create(name, { [param]: value })).toThrow(ParamError);
      }
    }
  });

  it('gives identical output after a JSON round trip', () => {
    const original = fitted(name);
    const json = JSON.parse(JSON.stringify(registry.serialize(original)));
    const restored = registry.restore<TransformPlugin>(json, 'transform');
    expect(restored.isFitted).toBe(true);
    expect(restored.transform(test, new Rng(9)).data).toEqual(original.transform(test, new Rng(9)).data);
    expect(restored.transform(test).data).toEqual(original.transform(test).data);
  });

  it('learns from the training rows only', () => {
    const plugin = fitted(name);
    const stateAfterFit = JSON.stringify(plugin.getState());
    const out = plugin.transform(test, new Rng(4));
    // Wildly different rows in the same test batch must not change the other rows' output.
    const altered = cloneMatrix(test);
    altered.data.subarray(0, 6 * WAVELENGTHS).forEach((v, i, row) => (row[i] = 100 * v + 5));
    const alteredOut = plugin.transform(altered, new Rng(4));
    expect(alteredOut.data.subarray(6 * WAVELENGTHS)).toEqual(out.data.subarray(6 * WAVELENGTHS));
    expect(JSON.stringify(plugin.getState())).toBe(stateAfterFit);
  });

  it('refuses transform() before fit() when it learns from data', () => {
    const fresh = registry.create<TransformPlugin>(name, {}, 'transform');
    expect(fresh.isFitted).toBe(!fresh.requiresFit);
    if (fresh.requiresFit) {
      expect(fresh.getState()).toBeNull();
      expect(() => fresh.transform(test)).toThrow(/fit/);
    } else {
      expect(fresh.transform(test).rows).toBe(test.rows);
    }
  });

  it('rejects empty and non-finite input', () => {
    const plugin = fitted(name);
    expect(() => plugin.transform(matrix(0, WAVELENGTHS))).toThrow();
    expect(() => registry.create<TransformPlugin>(name, {}, 'transform').fit(matrix(0, WAVELENGTHS))).toThrow();
    const broken = cloneMatrix(test);
    broken.data[WAVELENGTHS + 3] = Number.NaN;
    expect(() => plugin.transform(broken)).toThrow(/finite/);
  });
});
