import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import type { ApplicabilityDomainType } from '../schema/models/model.types';
import { act, notFound, deleteCommand, fields, meanStd, printing, resolveDataset, show, table, when, withClient, type OutputOptions } from './context';

/**
 * `nir-ssl models list|show|export|import|delete`: the trained models (an experiment with
 * --train-final-model stores one), and model bundles that take one to another installation.
 */

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

/** A model's PCA applicability domain (null for models trained before domains existed): the schema's type. */
export type DomainRow = ApplicabilityDomainType;

export const DOMAIN_FIELDS = 'domain { components trainRows explainedVariance t2Limit95 t2Limit99 qLimit95 qLimit99 qMethod }';

interface ModelDetail extends ModelRow {
  axis: number[];
  config: unknown;
  domain: DomainRow | null;
  predictionsConnection: { totalCount: number };
}

/** The domain in one line: components and the 95 % / 99 % limits of T² and Q. */
export function describeDomain(d: DomainRow | null): string {
  if (!d) return 'none (trained before applicability domains: no T², Q or outlier flag)';
  const g = (v: number) => v.toPrecision(4);
  return `PCA of ${d.trainRows} training spectra, ${d.components} component${d.components === 1 ? '' : 's'} (${(d.explainedVariance * 100).toFixed(1)} % of the variance); T² limits ${g(d.t2Limit95)} (95 %), ${g(d.t2Limit99)} (99 %); Q limits ${g(d.qLimit95)} (95 %), ${g(d.qLimit99)} (99 %, ${d.qMethod})`;
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
            `query($id: ID!) { model(id: $id) { ${MODEL_FIELDS} axis config ${DOMAIN_FIELDS} predictionsConnection(first: 0) { totalCount } } }`,
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
              ['domain', describeDomain(m.domain)],
              ['predictions', String(m.predictionsConnection.totalCount)],
              ['created', when(m.createdAt)],
            ]);
            process.stdout.write(`config:   ${JSON.stringify(m.config)}\n`);
          });
        }),
      ),
    );

  printing(
    models
      .command('export')
      .description('write a model as one versioned bundle file (weights, pre-processing, classes, axis, applicability domain, the experiment that made it), for `models import` elsewhere')
      .argument('<id>', 'the model'),
  )
    .option('--out <file>', 'the file to write (default: the bundle\'s own name, in this directory; - for stdout)')
    .action(
      act(async (id: string, options: OutputOptions & { out?: string }) =>
        withClient(options, async (client) => {
          const { exportModel } = await client.request<{ exportModel: { fileName: string; bytes: number; format: string; version: number; contentBase64: string } }>(
            `query($id: ID!) { exportModel(id: $id) { fileName bytes format version contentBase64 } }`,
            { id },
          );
          const { contentBase64, ...bundle } = exportModel;
          const bytes = Buffer.from(contentBase64, 'base64');
          if (options.out === '-') {
            process.stdout.write(bytes);
            return;
          }
          const file = options.out ?? path.basename(bundle.fileName);
          fs.writeFileSync(file, bytes);
          show(options, { ...bundle, file }, (b) => process.stdout.write(`exported model ${id} to ${b.file} (${b.bytes} bytes, ${b.format} version ${b.version})\n`));
        }),
      ),
    );

  printing(models.command('import').description('store the model of a bundle file (from `models export`) as a new model of this installation').argument('<file>', 'the bundle'))
    .option('--name <name>', 'the new model\'s name (default: the bundle\'s)')
    .action(
      act(async (file: string, options: OutputOptions & { name?: string }) =>
        withClient(options, async (client) => {
          const { importModel } = await client.upload<{ importModel: ModelRow }>(
            `mutation($input: ImportModelInput!) { importModel(input: $input) { ${MODEL_FIELDS} } }`,
            { input: { file: null, name: options.name } },
            [{ variable: 'input.file', file }],
          );
          show(options, importModel, (m) => process.stdout.write(`imported model "${m.name}" (${m.id}): ${m.plugin}, ${m.classes.length} classes, trained on ${m.trainedOn} spectra\n`));
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
