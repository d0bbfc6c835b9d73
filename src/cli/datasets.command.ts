import fs from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { act, notFound, csvCell, deleteCommand, float32Text, fields, integer, integers, json, printing, resolveDataset, show, table, when, withClient, type OutputOptions } from './context';
import type { GraphqlClient } from './graphql-client';

/** `nir-ssl datasets list|show|import|rename|delete`: every operation a GraphQL one. */

const SUMMARY = 'id name sampleCount variableCount labelledCount unlabelledCount axisUnit isLibrary hasGroups classes { name count }';

interface DatasetRow {
  id: string;
  name: string;
  sampleCount: number;
  variableCount: number;
  labelledCount: number;
  unlabelledCount: number;
  axisUnit: string;
  isLibrary: boolean;
  hasGroups: boolean;
  classes: { name: string; count: number }[];
}

interface DatasetDetail extends DatasetRow {
  valueUnit: string;
  importNotes: string[];
  description: string;
  source: string;
  metadataColumns: string[];
  groupCount: number | null;
  createdAt: string;
  axis: number[];
}

const FORMATS = ['auto', 'csv', 'jcamp-dx', 'spc', 'xlsx', 'zip'];

interface ImportOptions extends OutputOptions {
  name?: string;
  format: string;
  labelColumn?: string;
  groupColumn?: string;
  axisUnit?: 'nm' | 'cm-1';
  delimiter?: 'comma' | 'tab' | 'semicolon';
  description?: string;
  source?: string;
  library?: boolean;
}

/** The GraphQL enum's spelling of an axis unit, and back. */
const AXIS_UNIT = { nm: 'NM', 'cm-1': 'CM1' } as const;
const axisUnitName = (unit: string) => (unit === 'CM1' ? 'cm-1' : unit === 'NM' ? 'nm' : unit);

export function datasetsCommand(): Command {
  const datasets = new Command('datasets').description('import, inspect and delete datasets of spectra');

  printing(datasets.command('list').description('list the datasets with their sizes and classes'))
    .option('--name-contains <text>', 'only datasets whose name contains this text')
    .action(
      act(async (options: OutputOptions & { nameContains?: string }) =>
        withClient(options, async (client) => {
          const rows = await client.readAll<DatasetRow>(
            `query($after: String, $nameContains: String) { datasetsConnection(first: 100, after: $after, nameContains: $nameContains) {
               nodes { ${SUMMARY} } pageInfo { hasNextPage endCursor } } }`,
            'datasetsConnection',
            { nameContains: options.nameContains },
          );
          show(options, rows.map(flatten), printDatasets);
        }),
      ),
    );

  printing(datasets.command('show').description('one dataset: its axis, classes, groups and metadata columns').argument('<name-or-id>', 'the dataset'))
    .action(
      act(async (key: string, options: OutputOptions) =>
        withClient(options, async (client) => {
          const dataset = await findDataset(client, key);
          show(options, flatten(dataset), () => {
            fields([
              ['id', dataset.id],
              ['name', dataset.name],
              ['description', dataset.description || '-'],
              ['source', dataset.source || '-'],
              ['spectra', `${dataset.sampleCount} (${dataset.labelledCount} labelled, ${dataset.unlabelledCount} unlabelled)${dataset.isLibrary ? ', a spectral library' : ''}`],
              ['axis', `${dataset.variableCount} points, ${dataset.axis[0]} to ${dataset.axis[dataset.axis.length - 1]} ${axisUnitName(dataset.axisUnit)}`],
              ['values', dataset.valueUnit || '-'],
              ['groups', dataset.hasGroups ? String(dataset.groupCount) : '-'],
              ['metadata', dataset.metadataColumns.join(', ') || '-'],
              ['created', when(dataset.createdAt)],
              ...dataset.importNotes.map((note): [string, string] => ['import note', note]),
            ]);
            if (dataset.classes.length > 0) {
              process.stdout.write('\n');
              table(
                ['CLASS', 'SPECTRA'],
                dataset.classes.map((c) => [c.name, String(c.count)]),
              );
            }
          });
        }),
      ),
    );

  printing(
    datasets
      .command('import')
      .description(
        'import spectra: a CSV/TSV table (header: label, optional group and metadata columns, then one column per wavelength or wavenumber), or instrument files (JCAMP-DX, SPC, xlsx, a zip of them) with a labels CSV (columns file, label, optionally a group column) among them',
      )
      .argument('<files...>', 'the files, uploaded together (a shell glob such as ./folder/*.jdx works); one CSV is streamed into the server\'s parser'),
  )
    .option('--name <name>', 'the dataset name (default: the file name without its extension; for several files, their folder\'s name)')
    .addOption(new Option('--format <format>', 'the files\' format (default: told from each file\'s content)').choices(FORMATS).default('auto'))
    .option('--label-column <column>', 'the column (or JCAMP-DX record, ##$LABEL=) of class labels', 'label')
    .option('--group-column <column>', 'a column grouping repeated scans of one sample (kept together in folds)')
    .addOption(new Option('--axis-unit <unit>', 'unit of the axis (default: from the files, else guessed from the values)').choices(['nm', 'cm-1']))
    .addOption(new Option('--delimiter <delimiter>', 'CSV column separator (default: detected)').choices(['comma', 'tab', 'semicolon']))
    .option('--description <text>', 'a description')
    .option('--source <text>', 'where the spectra come from')
    .option('--library', 'a spectral library: no labels needed, every spectrum unlabelled', false)
    .action(
      act(async (files: string[], options: ImportOptions) =>
        withClient(options, async (client) => {
          const started = Date.now();
          const several = files.length > 1;
          const input = {
            name: options.name ?? (several ? path.basename(path.dirname(path.resolve(files[0]))) : path.basename(files[0]).replace(/\.[^.]+$/, '')),
            file: several ? undefined : null,
            files: several ? files.map(() => null) : undefined,
            format: options.format.toUpperCase().replace(/-/g, '_'),
            labelColumn: options.labelColumn,
            groupColumn: options.groupColumn ?? null,
            axisUnit: options.axisUnit ? AXIS_UNIT[options.axisUnit] : undefined,
            delimiter: options.delimiter?.toUpperCase(),
            description: options.description,
            source: options.source,
            library: options.library === true,
          };
          const { importDataset } = await client.upload<{ importDataset: DatasetRow & { valueUnit: string; importNotes: string[] } }>(
            `mutation($input: ImportDatasetInput!) { importDataset(input: $input) { ${SUMMARY} valueUnit importNotes } }`,
            { input },
            several ? files.map((file, i) => ({ variable: `input.files.${i}`, file })) : [{ variable: 'input.file', file: files[0] }],
          );
          const d = flatten(importDataset);
          show(options, d, () => {
            process.stdout.write(
              `imported "${d.name}" (${d.id}): ${d.sampleCount} spectra (${d.labelledCount} labelled, ${d.unlabelledCount} unlabelled) x ${d.variableCount} points, ${d.classes.length} classes${d.valueUnit ? `, ${d.valueUnit}` : ''}, in ${Date.now() - started} ms\n`,
            );
            // What the import changed or assumed (e.g. spectra resampled onto a common axis).
            for (const note of d.importNotes) process.stderr.write(`note: ${note}\n`);
          });
        }),
      ),
    );

  printing(datasets.command('rename').description('rename a dataset (the new name must be free)').argument('<name-or-id>', 'the dataset').argument('<new-name>', 'its new name'))
    .action(
      act(async (key: string, name: string, options: OutputOptions) =>
        withClient(options, async (client) => {
          const id = await resolveDataset(client, key);
          const { renameDataset } = await client.request<{ renameDataset: DatasetRow }>(`mutation($id: ID!, $name: String!) { renameDataset(id: $id, name: $name) { ${SUMMARY} } }`, { id, name });
          show(options, flatten(renameDataset), (d) => process.stdout.write(`renamed ${key} to "${d.name}" (${d.id})\n`));
        }),
      ),
    );

  printing(
    datasets
      .command('export')
      .description('write a dataset\'s spectra as a CSV table that `datasets import` reads back (label, a group column named "group" where the dataset has groups, metadata columns, then one column per axis point)')
      .argument('<name-or-id>', 'the dataset'),
  )
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--class <name>', 'only spectra of this class')
    .addOption(new Option('--labelled', 'only labelled spectra').conflicts('unlabelled'))
    .option('--unlabelled', 'only unlabelled spectra')
    .action(
      act(async (key: string, options: OutputOptions & { out?: string; class?: string; labelled?: boolean; unlabelled?: boolean }) =>
        withClient(options, async (client) => {
          const dataset = await findDataset(client, key);
          type SampleRow = { label: string; group: string | null; metadata: Record<string, unknown>; values: number[] };
          const samples = await client.readAll<SampleRow>(
            `query($id: ID!, $after: String, $className: String, $labelled: Boolean) { dataset(id: $id) { samplesConnection(first: 100, after: $after, className: $className, labelled: $labelled) {
               nodes { label group metadata values } pageInfo { hasNextPage endCursor } } } }`,
            'samplesConnection',
            { id: dataset.id, className: options.class, labelled: options.labelled ? true : options.unlabelled ? false : undefined },
            (answer) => (answer as { dataset: Record<string, never> }).dataset,
          );
          // JSON: the axis and the spectra with their labels, groups and metadata; else the CSV table.
          const text = options.json
            ? `${JSON.stringify({ name: dataset.name, axisUnit: axisUnitName(dataset.axisUnit), axis: dataset.axis, samples }, null, 2)}\n`
            : spectraCsv(dataset, samples);
          if (!options.out) return void process.stdout.write(text);
          fs.writeFileSync(options.out, text);
          process.stderr.write(`${samples.length} spectra written to ${options.out}\n`);
        }),
      ),
    );

  printing(
    datasets
      .command('preview')
      .description('a pre-processing pipeline applied to chosen spectra of a dataset (fitted steps learn from the whole dataset): CSV of the transformed spectra, or JSON with the originals')
      .argument('<name-or-id>', 'the dataset'),
  )
    .requiredOption('--steps <json>', 'the pipeline, e.g. \'[{"name": "snv"}, {"name": "savitzky-golay", "params": {"derivative": 1}}]\'', json)
    .option('--rows <list>', 'rows of the spectra to show (0-based, comma-separated)', integers, [0])
    .option('--seed <n>', 'seed of the random transformations (add-noise, permutation ...)', integer)
    .action(
      act(async (key: string, options: OutputOptions & { steps: unknown; rows: number[]; seed?: number }) =>
        withClient(options, async (client) => {
          const datasetId = await resolveDataset(client, key);
          type Preview = { axis: number[]; samples: { index: number; label: string; original: number[]; transformed: number[] }[] };
          const { previewTransform } = await client.request<{ previewTransform: Preview }>(
            `query($datasetId: ID!, $steps: [PipelineStepInput!]!, $rows: [Int!]!, $seed: Int! = 0) {
               previewTransform(datasetId: $datasetId, steps: $steps, sampleIndices: $rows, seed: $seed) { axis samples { index label original transformed } } }`,
            { datasetId, steps: options.steps, rows: options.rows, seed: options.seed },
          );
          show(options, previewTransform, (p) => {
            process.stdout.write(`${['index', 'label', ...p.axis.map(String)].map(csvCell).join(',')}\n`);
            for (const sample of p.samples) process.stdout.write(`${[String(sample.index), sample.label, ...sample.transformed.map(float32Text)].map(csvCell).join(',')}\n`);
          });
        }),
      ),
    );

  deleteCommand(datasets, 'deleteDataset', 'delete a dataset with its spectra, experiments and models (admins)', ['<name-or-id>', 'the dataset'], resolveDataset);

  return datasets;
}

async function findDataset(client: GraphqlClient, key: string): Promise<DatasetDetail> {
  const query = `query($name: String, $id: ID) { dataset(name: $name, id: $id) { ${SUMMARY} valueUnit importNotes description source metadataColumns groupCount createdAt axis } }`;
  const byName = (await client.request<{ dataset: DatasetDetail | null }>(query, { name: key })).dataset;
  if (byName) return byName;
  const byId = (await client.request<{ dataset: DatasetDetail | null }>(query, { id: key })).dataset;
  if (!byId) throw notFound(`no dataset is named or has the id "${key}"`);
  return byId;
}

/** The table `datasets import` reads: label, "group", metadata columns, then the axis. */
function spectraCsv(dataset: DatasetDetail, samples: { label: string; group: string | null; metadata: Record<string, unknown>; values: number[] }[]): string {
  const header = ['label', ...(dataset.hasGroups ? ['group'] : []), ...dataset.metadataColumns, ...dataset.axis.map(String)];
  const cell = (v: unknown) => (v === null || v === undefined ? '' : csvCell(String(v)));
  const lines = [header.map(csvCell).join(',')];
  for (const sample of samples) {
    lines.push([sample.label, ...(dataset.hasGroups ? [sample.group] : []), ...dataset.metadataColumns.map((c) => sample.metadata[c]), ...sample.values.map(float32Text)].map(cell).join(','));
  }
  return `${lines.join('\n')}\n`;
}

function flatten<T extends DatasetRow>(d: T): T {
  return { ...d, axisUnit: axisUnitName(d.axisUnit) };
}

function printDatasets(list: DatasetRow[]): void {
  table(
    ['NAME', 'SAMPLES', 'LABELLED', 'UNLABELLED', 'POINTS', 'AXIS', 'CLASSES', 'ID'],
    list.map((d) => [d.name, String(d.sampleCount), String(d.labelledCount), String(d.unlabelledCount), String(d.variableCount), d.axisUnit, String(d.classes.length), d.id]),
  );
}
