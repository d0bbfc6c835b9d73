import { ContainerModule } from 'inversify';
import { builtinPlugins } from './builtin';
import { PLUGIN_DEFINITION, PluginRegistry } from './registry';

/** Binds every built-in plugin definition and the registry that collects them. */
export const pluginsModule = new ContainerModule((options) => {
  for (const definition of builtinPlugins()) {
    options.bind(PLUGIN_DEFINITION).toConstantValue(definition);
  }
  options.bind(PluginRegistry).toSelf().inSingletonScope();
});
