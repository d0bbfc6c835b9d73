import { Container } from 'inversify';
import type { PluginDefinition, PluginInstance } from '../../src/plugins/contract';
import { ParamError } from '../../src/plugins/params';
import { PLUGIN_DEFINITION, PluginRegistry } from '../../src/plugins/registry';

function fakeDefinition(name: string): PluginDefinition {
  const definition: PluginDefinition = {
    name,
    kind: 'transform',
    description: 'test plugin',
    params: {
      scale: { type: 'number', default: 1, min: 0, exclusiveMin: true, description: 'scale factor' },
      mode: { type: 'enum', default: 'a', values: ['a', 'b'], description: 'mode' },
    },
    create(params): PluginInstance {
      let state: unknown = null;
      return {
        meta: definition,
        params,
        getState: () => state,
        setState: (s) => {
          state = s;
        },
      };
    },
  };
  return definition;
}

describe('PluginRegistry', () => {
  it('collects definitions bound in the container and resolves them by name', () => {
    const container = new Container();
    container.bind(PLUGIN_DEFINITION).toConstantValue(fakeDefinition('one'));
    container.bind(PLUGIN_DEFINITION).toConstantValue(fakeDefinition('two'));
    container.bind(PluginRegistry).toSelf().inSingletonScope();
    const registry = container.get(PluginRegistry);
    expect(registry.list().map((d) => d.name)).toEqual(['one', 'two']);
    const instance = registry.create('one', { scale: 2 });
    expect(instance.params).toEqual({ scale: 2, mode: 'a' });
  });

  it('works with no plugin bound', () => {
    const container = new Container();
    container.bind(PluginRegistry).toSelf();
    expect(container.get(PluginRegistry).list()).toEqual([]);
  });

  it('rejects bad parameters with an error naming the parameter', () => {
    const registry = new PluginRegistry([fakeDefinition('one')]);
    expect(() => registry.create('one', { scale: 0 })).toThrow(ParamError);
    expect(() => registry.create('one', { scale: 0 })).toThrow(/parameter "scale" must be > 0/);
    expect(() => registry.create('one', { mode: 'c' })).toThrow(/parameter "mode" must be one of a, b/);
    expect(() => registry.create('one', { scael: 1 })).toThrow(/parameter "scael" is unknown/);
  });

  it('rejects duplicate names and malformed definitions', () => {
    const registry = new PluginRegistry([fakeDefinition('one')]);
    expect(() => registry.register(fakeDefinition('one'), '/tmp/x.js')).toThrow(/duplicates/);
    expect(() => registry.register({ ...fakeDefinition('Bad Name') })).toThrow(/kebab-case/);
    const noDefault = { ...fakeDefinition('x'), params: { a: { type: 'number', description: 'a' } } };
    expect(() => registry.register(noDefault as unknown as PluginDefinition)).toThrow(/needs a default/);
  });

  it('round-trips an instance through JSON', () => {
    const registry = new PluginRegistry([fakeDefinition('one')]);
    const instance = registry.create('one', { mode: 'b' });
    instance.setState({ fitted: [1, 2, 3] });
    const json = JSON.parse(JSON.stringify(registry.serialize(instance)));
    const restored = registry.restore(json);
    expect(restored.params).toEqual(instance.params);
    expect(restored.getState()).toEqual({ fitted: [1, 2, 3] });
  });

  it('lists failed plugins with their error', () => {
    const registry = new PluginRegistry([]);
    registry.recordFailure('broken', '/plugins/broken.js', new Error('boom'));
    expect(registry.list()).toEqual([]);
    expect(registry.entriesList()).toEqual([
      expect.objectContaining({ name: 'broken', source: '/plugins/broken.js', error: 'boom' }),
    ]);
  });
});
