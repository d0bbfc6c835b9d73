import fs from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { act, notFound, fields, integer, list, printing, resolveDataset, show, table, when, withClient, type OutputOptions } from './context';
import { GraphqlError, type GraphqlClient } from './graphql-client';
import { Progress } from './progress';
import { UserInputError } from '../errors';
import { parseAutoResults, studySummary, summaryRows } from '../services/studies/study-summary';

/**
 * `nir-ssl study run|report|summary|list|show`: queue the paper's experiment set, follow it, write its
 * Markdown report; `report` rewrites the report of an existing study (for instance after a
 * restart finished it).
 */

const STUDY_FIELDS = 'id name datasetId preset status experimentsTotal experimentsFinished createdAt';

interface StudyRow {
  id: string;
  name: string;
  datasetId: string;
  preset: string;
  status: string;
  experimentsTotal: number;
  experimentsFinished: number;
  createdAt: string;
}

interface RunOptions extends OutputOptions {
  dataset: string;
  preset: 'quick' | 'full';
  parts?: string[];
  fractions?: string[];
  folds?: number;
  pretextEpochs?: number;
  finetuneEpochs?: number;
  name?: string;
  out?: string;
}

export function studyCommand(): Command {
  const study = new Command('study').alias('studies').description('the paper\'s experiment set on a dataset, with its Markdown report beside the paper\'s numbers');

  printing(study.command('run').description('queue a study, follow it, print (or --out) its report; exit code 1 unless every experiment succeeded'))
    .requiredOption('--dataset <name-or-id>', 'the dataset')
    .addOption(new Option('--preset <preset>', 'quick: few epochs and 3 folds (minutes); full: the paper\'s settings (hours on a CPU)').choices(['quick', 'full']).default('quick'))
    .option('--parts <list>', 'comma-separated parts: table4, fig5, sweep, fig7, fig6, auto', list)
    .option('--fractions <list>', 'label fractions of the sweep and auto parts, e.g. 1,0.2,0.1', list)
    .option('--folds <k>', 'k of k-fold cross-validation', integer)
    .option('--pretext-epochs <n>', 'pre-training epochs', integer)
    .option('--finetune-epochs <n>', 'fine-tuning epochs', integer)
    .option('--name <name>', 'the study name')
    .option('--out <file>', 'write the report to this file instead of stdout')
    .action(
      act(async (o: RunOptions, command: Command) => {
        const fractions = o.fractions?.map(Number);
        if (fractions?.some((f) => !Number.isFinite(f))) command.error(`error: --fractions must be numbers, got "${o.fractions!.join(',')}"`, { exitCode: 2, code: 'nir-ssl.usage' });
        return withClient(o, async (client) => {
          const { createStudy } = await client.request<{ createStudy: StudyRow }>(`mutation($input: CreateStudyInput!) { createStudy(input: $input) { ${STUDY_FIELDS} } }`, {
            input: {
              datasetId: await resolveDataset(client, o.dataset),
              preset: o.preset.toUpperCase(),
              name: o.name,
              parts: o.parts,
              folds: o.folds,
              pretextEpochs: o.pretextEpochs,
              finetuneEpochs: o.finetuneEpochs,
              fractions,
            },
          });
          process.stderr.write(`study ${createStudy.id}: ${createStudy.experimentsTotal} experiments queued\n`);
          await follow(client, createStudy.id);
          return writeReport(client, createStudy.id, o);
        });
      }),
    );

  printing(study.command('report').description('print (or --out) the Markdown report of a study, of what has finished so far').argument('<id>', 'the study'))
    .option('--out <file>', 'write the report to this file instead of stdout')
    .action(act(async (id: string, o: OutputOptions & { out?: string }) => withClient(o, (client) => writeReport(client, id, o))));

  study
    .command('summary')
    .description('issue 13\'s table across datasets: auto SSL against the best baseline, the CNN from scratch and the paper\'s settings, from study reports (their per-fold results, or their tables where they predate them)')
    .argument('<reports...>', 'study report files (Markdown, as `study run --out` writes them)')
    .option('--out <file>', 'write the table to this file instead of stdout')
    .option('--json', 'print the rows as JSON instead of the Markdown table')
    .option('--latest', 'one row per dataset and label fraction: the newest report\'s')
    .action(
      act(async (files: string[], o: { out?: string; json?: boolean; latest?: boolean }) => {
        const results = files.flatMap((file) => {
          const parsed = parseAutoResults(fs.readFileSync(file, 'utf8'), path.basename(file));
          if (!parsed) process.stderr.write(`skipped ${file}: no results of the automatic configuration (a study with --parts auto)\n`);
          return parsed ? [parsed] : [];
        });
        if (results.length === 0) throw new UserInputError('none of the reports has results of the automatic configuration (a study with --parts auto)');
        const options = { latest: o.latest };
        const text = o.json ? `${JSON.stringify(summaryRows(results, options), null, 2)}\n` : `${studySummary(results, options)}\n`;
        if (o.out) fs.writeFileSync(o.out, text);
        else process.stdout.write(text);
      }),
    );

  printing(study.command('list').description('list the studies with their progress'))
    .option('--dataset <name-or-id>', 'only studies of this dataset')
    .action(
      act(async (o: OutputOptions & { dataset?: string }) =>
        withClient(o, async (client) => {
          const datasetId = o.dataset ? await resolveDataset(client, o.dataset) : undefined;
          const rows = await client.readAll<StudyRow>(
            `query($after: String, $datasetId: ID) { studiesConnection(first: 100, after: $after, datasetId: $datasetId) { nodes { ${STUDY_FIELDS} } pageInfo { hasNextPage endCursor } } }`,
            'studiesConnection',
            { datasetId },
          );
          show(o, rows, printStudies);
        }),
      ),
    );

  printing(study.command('show').description('one study: its settings and its experiments').argument('<id>', 'the study'))
    .action(
      act(async (id: string, o: OutputOptions) =>
        withClient(o, async (client) => {
          type Detail = StudyRow & { settings: unknown; experiments: { id: string; name: string; status: string; accuracy: { mean: number | null } }[] };
          const { study: s } = await client.request<{ study: Detail | null }>(`query($id: ID!) { study(id: $id) { ${STUDY_FIELDS} settings experiments { id name status accuracy { mean } } } }`, { id });
          if (!s) throw notFound(`no study has the id "${id}"`);
          show(o, s, (d) => {
            fields([
              ['id', d.id],
              ['name', d.name],
              ['dataset', d.datasetId],
              ['preset', d.preset.toLowerCase()],
              ['status', d.status.toLowerCase()],
              ['experiments', `${d.experimentsFinished}/${d.experimentsTotal} finished`],
              ['created', when(d.createdAt)],
            ]);
            process.stdout.write(`settings:    ${JSON.stringify(d.settings)}\n\n`);
            table(
              ['ID', 'NAME', 'STATUS', 'ACCURACY'],
              d.experiments.map((e) => [e.id, e.name, e.status.toLowerCase(), e.accuracy.mean === null ? '-' : e.accuracy.mean.toFixed(4)]),
            );
          });
        }),
      ),
    );

  return study;
}

/** How long `study run` keeps following through a server that cannot be reached (a restart, a pause). */
const UNREACHABLE_PATIENCE_MS = 15 * 60 * 1000;

/**
 * Polls the study until it has finished. A study takes hours and the server resumes its folds
 * after a restart, so an unreachable server is waited for (up to `patienceMs` in a row) rather
 * than ending the command; any other error ends it.
 */
export async function followStudy(
  client: Pick<GraphqlClient, 'request' | 'url'>,
  id: string,
  progress: { update(share: number, text: string): void },
  { pollMs = 2000, patienceMs = UNREACHABLE_PATIENCE_MS } = {},
): Promise<void> {
  type Progressing = { status: string; experimentsFinished: number; experimentsTotal: number; experiments: { name: string; status: string; progress: { stage: string | null; epoch: number | null; epochs: number | null; foldsDone: number; foldsTotal: number } | null }[] };
  let unreachableSince: number | null = null;
  let share = 0;
  for (;;) {
    let study: Progressing;
    try {
      ({ study } = await client.request<{ study: Progressing }>(
        `query($id: ID!) { study(id: $id) { status experimentsFinished experimentsTotal experiments { name status progress { stage epoch epochs foldsDone foldsTotal } } } }`,
        { id },
      ));
      unreachableSince = null;
    } catch (error) {
      if (!(error instanceof GraphqlError && error.code === 'UNREACHABLE')) throw error;
      unreachableSince ??= Date.now();
      if (Date.now() - unreachableSince >= patienceMs) throw error;
      progress.update(share, `cannot reach ${client.url} since ${new Date(unreachableSince).toISOString().slice(11, 19)} UTC; retrying (the server resumes the study when it is back)`);
      await new Promise((r) => setTimeout(r, pollMs));
      continue;
    }
    const current = study.experiments.find((e) => e.status === 'RUNNING');
    const where = current?.progress
      ? ` | ${current.name}: fold ${Math.min(current.progress.foldsDone + 1, current.progress.foldsTotal)}/${current.progress.foldsTotal}${current.progress.stage ? ` ${current.progress.stage} ${current.progress.epoch}/${current.progress.epochs}` : ''}`
      : '';
    const done = `${study.experimentsFinished}/${study.experimentsTotal} experiments done`;
    share = study.experimentsTotal > 0 ? study.experimentsFinished / study.experimentsTotal : 1;
    progress.update(share, `${done}${where}`);
    if (study.status === 'FINISHED') return;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

async function follow(client: GraphqlClient, id: string): Promise<void> {
  const progress = new Progress();
  try {
    await followStudy(client, id, progress);
  } finally {
    progress.stop();
  }
}

async function writeReport(client: GraphqlClient, id: string, o: OutputOptions & { out?: string }): Promise<number> {
  const { study } = await client.request<{ study: { id: string; status: string; report: string; experiments: { id: string; name: string; status: string }[] } | null }>(
    `query($id: ID!) { study(id: $id) { id status report experiments { id name status } } }`,
    { id },
  );
  if (!study) throw notFound(`no study has the id "${id}"`);
  if (o.out) {
    fs.writeFileSync(o.out, `${study.report}\n`);
    process.stderr.write(`report written to ${o.out}\n`);
    if (o.json) process.stdout.write(`${JSON.stringify({ id: study.id, status: study.status, report: o.out, experiments: study.experiments }, null, 2)}\n`);
  } else if (o.json) {
    process.stdout.write(`${JSON.stringify(study, null, 2)}\n`);
  } else {
    process.stdout.write(`${study.report}\n`);
  }
  return study.experiments.every((e) => e.status === 'SUCCEEDED') ? 0 : 1;
}

function printStudies(rows: StudyRow[]): void {
  table(
    ['ID', 'NAME', 'PRESET', 'STATUS', 'EXPERIMENTS', 'CREATED'],
    rows.map((s) => [s.id, s.name, s.preset.toLowerCase(), s.status.toLowerCase(), `${s.experimentsFinished}/${s.experimentsTotal}`, when(s.createdAt)]),
  );
}
