import { Command, Option } from 'commander';
import type { PluginParameterType, PluginType } from '../schema/plugins/plugin.types';
import { act, notFound, printing, show, table, withClient, type OutputOptions } from './context';

/** `nir-ssl plugins list|show`: the registered plugins with their parameter schemas. */

/** The GraphQL types' fields, as the query below selects them all. */
type ParameterRow = PluginParameterType;
type PluginRow = PluginType;

const PLUGIN_FIELDS = 'name kind description tags source error parameters { name type description default nullable min max exclusiveMin exclusiveMax values }';
const KINDS = ['transform', 'encoder', 'pretext', 'classifier', 'baseline'];

export function pluginsCommand(): Command {
  const plugins = new Command('plugins').description('the registered plugins (transforms, encoders, pretext tasks, classifiers, baselines) and their parameters');

  printing(plugins.command('list').description('list the plugins with their parameter schemas (broken custom ones with their error)'))
    .addOption(new Option('--kind <kind>', 'only plugins of this kind').choices(KINDS))
    .action(
      act(async (o: OutputOptions & { kind?: string }) =>
        withClient(o, async (client) => {
          const { plugins: rows } = await client.request<{ plugins: PluginRow[] }>(`query($kind: PluginKind) { plugins(kind: $kind) { ${PLUGIN_FIELDS} } }`, { kind: o.kind?.toUpperCase() });
          show(o, rows, (list) => {
            list.forEach((p, i) => {
              if (i > 0) process.stdout.write('\n');
              printPlugin(p);
            });
          });
        }),
      ),
    );

  printing(plugins.command('show').description('one plugin and its parameters').argument('<name>', 'the plugin'))
    .action(
      act(async (name: string, o: OutputOptions) =>
        withClient(o, async (client) => {
          const { plugins: rows } = await client.request<{ plugins: PluginRow[] }>(`{ plugins { ${PLUGIN_FIELDS} } }`);
          const plugin = rows.find((p) => p.name === name);
          if (!plugin) throw notFound(`no plugin is named "${name}" (see nir-ssl plugins list)`);
          show(o, plugin, printPlugin);
        }),
      ),
    );

  return plugins;
}

function printPlugin(p: PluginRow): void {
  process.stdout.write(`${p.name} (${p.kind?.toLowerCase() ?? 'broken'}, ${p.source}${p.tags.length > 0 ? `; ${p.tags.join(', ')}` : ''}): ${p.description}\n`);
  if (p.error) process.stdout.write(`  error: ${p.error}\n`);
  if (p.parameters.length === 0) return;
  table(
    ['  PARAMETER', 'TYPE', 'DEFAULT', 'RANGE', 'DESCRIPTION'],
    p.parameters.map((q) => [`  ${q.name}`, q.type + (q.nullable ? '?' : ''), q.default === undefined || q.default === null ? '-' : JSON.stringify(q.default), range(q), q.description]),
  );
}

function range(q: ParameterRow): string {
  if (q.values?.length) return q.values.join('|');
  if (q.min === null && q.max === null) return '-';
  const lo = q.min === null ? '(-inf' : `${q.exclusiveMin ? '(' : '['}${q.min}`;
  const hi = q.max === null ? 'inf)' : `${q.max}${q.exclusiveMax ? ')' : ']'}`;
  return `${lo}, ${hi}`;
}
