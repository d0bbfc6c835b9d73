import fs from 'node:fs';
import { Command, Option } from 'commander';
import { DOMAIN_FIELDS, type DomainRow } from './models.command';
import { act, connected, csvCell, printing, resolveDataset, show, table, when, withClient, type ConnectionOptions, type OutputOptions } from './context';

/**
 * `nir-ssl predict --model ID FILE`: classes and probabilities of the spectra of a file (uploaded;
 * any format import reads; resampled onto the model's axis when theirs differs) or of a stored
 * dataset, as CSV or JSON, to stdout or --out, with T², Q and the outlier flag of the model's
 * applicability domain. `nir-ssl predictions list`: the stored ones.
 */

const RESULT_FIELDS = 'index predictedClass probabilities { className probability } hotellingT2 qResidual outlier';

interface PredictedSpectrum {
  index: number;
  predictedClass: string;
  probabilities: { className: string; probability: number }[];
  /** Hotelling's T² and Q residual in the model's PCA domain; null when the model has none. */
  hotellingT2: number | null;
  qResidual: number | null;
  /** T² or Q above its 99 % limit. */
  outlier: boolean;
}

interface PredictionRow {
  id: string;
  modelId: string;
  datasetId: string | null;
  count: number;
  createdAt: string;
}

interface PredictOptions extends ConnectionOptions {
  model: string;
  dataset?: string;
  format: 'csv' | 'json';
  json?: boolean;
  out?: string;
}

export function predictCommand(): Command {
  return connected(
    new Command('predict')
      .description(
        'predict the classes of spectra with a trained model, with T², Q and the outlier flag of its applicability domain: a file in any format `datasets import` reads (CSV/TSV with optional label and metadata columns before the axis, JCAMP-DX, SPC, xlsx, a zip of them) or a stored dataset',
      )
      .argument('[file]', 'the spectra to predict (resampled onto the model\'s axis when theirs differs)'),
  )
    .requiredOption('--model <id>', 'the trained model (see `nir-ssl models list`)')
    .option('--dataset <name-or-id>', 'predict a stored dataset instead of a file')
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).default('csv'))
    .option('--json', 'the same as --format json')
    .option('--out <file>', 'write the predictions to this file instead of stdout')
    .action(
      act(async (file: string | undefined, options: PredictOptions, command: Command) => {
        if ((file === undefined) === (options.dataset === undefined)) command.error('error: give a FILE or --dataset, not both and not neither', { exitCode: 2, code: 'nir-ssl.usage' });
        return withClient(options, async (client) => {
          const query = `mutation($input: PredictInput!) { predict(input: $input) { id modelId datasetId count ${DOMAIN_FIELDS} results { ${RESULT_FIELDS} } } }`;
          type Answer = { predict: PredictionRow & { domain: DomainRow | null; results: PredictedSpectrum[] } };
          const { predict } =
            file !== undefined
              ? await client.upload<Answer>(query, { input: { modelId: options.model, file: null } }, [{ variable: 'input.file', file }])
              : await client.request<Answer>(query, { input: { modelId: options.model, datasetId: await resolveDataset(client, options.dataset!) } });
          // The applicability domain's verdict on stderr, beside the predictions.
          const outliers = predict.results.filter((r) => r.outlier).length;
          if (!predict.domain) process.stderr.write(`the model has no applicability domain: no T², Q or outlier flag\n`);
          else if (outliers > 0) process.stderr.write(`warning: ${outliers} of ${predict.count} spectra are outside the model's domain (T² or Q above its 99 % limit): do not trust their classes\n`);
          const text = options.json || options.format === 'json' ? `${JSON.stringify(predict, null, 2)}\n` : predictionsCsv(predict.results);
          if (options.out) {
            fs.writeFileSync(options.out, text);
            process.stderr.write(`${predict.count} predictions written to ${options.out}\n`);
          } else {
            process.stdout.write(text);
          }
        });
      }),
    );
}

export function predictionsCommand(): Command {
  const predictions = new Command('predictions').description('the stored predictions');
  printing(predictions.command('list').description('list stored predictions'))
    .option('--model <id>', 'only predictions of this model')
    .option('--dataset <name-or-id>', 'only predictions of this stored dataset')
    .action(
      act(async (options: OutputOptions & { model?: string; dataset?: string }) =>
        withClient(options, async (client) => {
          const datasetId = options.dataset ? await resolveDataset(client, options.dataset) : undefined;
          const rows = await client.readAll<PredictionRow>(
            `query($after: String, $modelId: ID, $datasetId: ID) { predictionsConnection(first: 100, after: $after, modelId: $modelId, datasetId: $datasetId) {
               nodes { id modelId datasetId count createdAt } pageInfo { hasNextPage endCursor } } }`,
            'predictionsConnection',
            { modelId: options.model, datasetId },
          );
          show(options, rows, (list) =>
            table(
              ['ID', 'MODEL', 'DATASET', 'SPECTRA', 'CREATED'],
              list.map((p) => [p.id, p.modelId, p.datasetId ?? '(file or inline)', String(p.count), when(p.createdAt)]),
            ),
          );
        }),
      ),
    );
  return predictions;
}

/**
 * One line per spectrum: index, predicted class, the probability of each class (the dashboard's
 * columns), then Hotelling's T², the Q residual (empty without a domain) and the outlier flag.
 */
export function predictionsCsv(results: PredictedSpectrum[]): string {
  const classes = results[0]?.probabilities.map((p) => p.className) ?? [];
  const header = ['index', 'predicted', ...classes.map((c) => `p(${c})`), 't2', 'q', 'outlier'];
  const rows = results.map((r) => [
    String(r.index),
    r.predictedClass,
    ...classes.map((c) => String(r.probabilities.find((p) => p.className === c)?.probability ?? '')),
    r.hotellingT2 === null ? '' : String(r.hotellingT2),
    r.qResidual === null ? '' : String(r.qResidual),
    String(r.outlier),
  ]);
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\n') + '\n';
}
