import { AccessResolver } from './access/access.resolver';
import { DatasetsResolver } from './datasets/datasets.resolver';
import { EncodersResolver } from './encoders/encoders.resolver';
import { ExperimentsResolver } from './experiments/experiments.resolver';
import { ModelsResolver } from './models/models.resolver';
import { PluginsResolver } from './plugins/plugins.resolver';
import { StudiesResolver } from './studies/studies.resolver';
import { SystemResolver } from './system/system.resolver';

/** Every resolver class; each is bound in the container (src/container.ts). */
export const RESOLVERS = [AccessResolver, DatasetsResolver, ExperimentsResolver, ModelsResolver, PluginsResolver, StudiesResolver, SystemResolver, EncodersResolver] as const;
