import { Command } from 'commander';
import { act, notFound, deleteCommand, fields, meanStd, printing, resolveDataset, show, table, when, withClient, type OutputOptions } from './context';

/** `nir-ssl models list|show|delete`: the trained models (an experiment with --train-final-model stores one). */

const MODEL_FIELDS = 'id name experimentId datasetId plugin classes axisUnit trainedOn backend accuracy { mean std } macroF1 { mean std } createdAt';

interface ModelRow {
  id: string;
  name: string;
  experimentId: string | null;
  datasetId: string | null;
  plugin: string;
  classes: string[];
  axisUnit: string;
  trainedOn: number;
  backend: string | null;
  accuracy: { mean: number | null; std: number | null } | null;
  macroF1: { mean: number | null; std: number | null } | null;
  createdAt: string;
}

interface ModelDetail extends ModelRow {
  axis: number[];
  config: unknown;
  predictionsConnection: { totalCount: number };
}

export function modelsCommand(): Command {
  const models = new Command('models').description('the trained models that predict (an experiment run with --train-final-model stores one)');

  printing(models.command('list').description('list the trained models with their cross-validated scores'))
    .option('--dataset <name-or-id>', 'only models trained on this dataset')
    .option('--experiment <id>', 'only models of this experiment')
    .action(
      act(async (options: OutputOptions & { dataset?: string; experiment?: string }) =>
        withClient(options, async (client) => {
          const datasetId = options.dataset ? await resolveDataset(client, options.dataset) : undefined;
          const rows = await client.readAll<ModelRow>(
            `query($after: String, $datasetId: ID, $experimentId: ID) { modelsConnection(first: 100, after: $after, datasetId: $datasetId, experimentId: $experimentId) {
               nodes { ${MODEL_FIELDS} } pageInfo { hasNextPage endCursor } } }`,
            'modelsConnection',
            { datasetId, experimentId: options.experiment },
          );
          show(options, rows, printModels);
        }),
      ),
    );

  printing(models.command('show').description('one model: its classes, axis, training and configuration').argument('<id>', 'the model'))
    .action(
      act(async (id: string, options: OutputOptions) =>
        withClient(options, async (client) => {
          const { model } = await client.request<{ model: ModelDetail | null }>(
            `query($id: ID!) { model(id: $id) { ${MODEL_FIELDS} axis config predictionsConnection(first: 0) { totalCount } } }`,
            { id },
          );
          if (!model) throw notFound(`no model has the id "${id}"`);
          show(options, model, (m) => {
            fields([
              ['id', m.id],
              ['name', m.name],
              ['plugin', m.plugin],
              ['classes', m.classes.join(', ')],
              ['axis', `${m.axis.length} points, ${m.axis[0]} to ${m.axis[m.axis.length - 1]} ${m.axisUnit === 'CM1' ? 'cm-1' : 'nm'}`],
              ['trained on', `${m.trainedOn} spectra`],
              ['accuracy', `${meanStd(m.accuracy)} (cross-validated)`],
              ['macro F1', meanStd(m.macroF1)],
              ['backend', m.backend ?? '-'],
              ['experiment', m.experimentId ?? '-'],
              ['dataset', m.datasetId ?? '-'],
              ['predictions', String(m.predictionsConnection.totalCount)],
              ['created', when(m.createdAt)],
            ]);
            process.stdout.write(`config:   ${JSON.stringify(m.config)}\n`);
          });
        }),
      ),
    );

  deleteCommand(models, 'deleteModel', 'delete a model with its stored predictions', ['<id>', 'the model']);

  return models;
}

function printModels(rows: ModelRow[]): void {
  table(
    ['ID', 'NAME', 'PLUGIN', 'CLASSES', 'TRAINED ON', 'ACCURACY (CV)', 'CREATED'],
    rows.map((m) => [m.id, m.name, m.plugin, String(m.classes.length), String(m.trainedOn), meanStd(m.accuracy), when(m.createdAt)]),
  );
}
