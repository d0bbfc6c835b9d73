import { Command } from 'commander';
import { act, notFound, deleteCommand, collect, fields, integer, json, printing, resolveDataset, show, table, when, withClient, type OutputOptions } from './context';
import { Progress } from './progress';

/**
 * `nir-ssl encoders pretrain|list|show|delete`: pre-train an encoder once (waiting until it is
 * ready), list the encoders with their pretext metrics, delete one. Every operation a GraphQL one.
 */
const ENCODER_FIELDS = 'id name datasetId extraDatasetIds status error spectraCount unlabelledCount heldOutCount sawLabelledSpectra pretextAccuracy pretext { transform f1 } createdAt';
const POLL_MS = 1000;

interface EncoderRow {
  id: string;
  name: string;
  datasetId: string;
  extraDatasetIds: string[];
  status: string;
  error: string | null;
  spectraCount: number;
  unlabelledCount: number;
  heldOutCount: number;
  sawLabelledSpectra: boolean;
  pretextAccuracy: number | null;
  pretext: { transform: string; f1: number }[];
  createdAt: string;
}

interface PretrainOptions extends OutputOptions {
  name: string;
  dataset: string;
  pretrainDataset: string[];
  unlabelledOnly?: boolean;
  model: string;
  params?: unknown;
  preprocessing?: unknown;
  seed?: number;
}

export function encodersCommand(): Command {
  const encoders = new Command('encoders').description('SSL encoders pre-trained once on a dataset or spectral library, then used by experiments (--encoder)');

  printing(encoders.command('pretrain').description('pre-train an SSL encoder and wait until it is ready (exit code 1 unless it is)'))
    .requiredOption('--name <name>', 'the encoder name')
    .requiredOption('--dataset <name-or-id>', 'the dataset or spectral library to pre-train on (its axis is the encoder\'s)')
    .option('--pretrain-dataset <name-or-id>', 'another dataset whose spectra join the pre-training (repeatable)', collect, [])
    .option('--unlabelled-only', 'pre-train on the unlabelled spectra only (cross-validation from it stays inductive)')
    .option('--model <plugin>', 'the SSL model plugin', 'cnn-classifier')
    .option('--params <json>', 'the plugin\'s parameters, e.g. \'{"pretext": {"epochs": 100}}\'', json)
    .option('--preprocessing <json>', 'the pre-processing pipeline', json)
    .option('--seed <n>', 'seed of training', integer)
    .action(
      act(async (o: PretrainOptions) =>
        withClient(o, async (client) => {
          const input = {
            name: o.name,
            datasetId: await resolveDataset(client, o.dataset),
            extraDatasetIds: await Promise.all(o.pretrainDataset.map((key) => resolveDataset(client, key))),
            unlabelledOnly: o.unlabelledOnly === true,
            preprocessing: o.preprocessing ?? [],
            model: { plugin: o.model, params: o.params ?? {} },
            seed: o.seed,
          };
          const { pretrainEncoder } = await client.request<{ pretrainEncoder: EncoderRow }>(`mutation($input: PretrainEncoderInput!) { pretrainEncoder(input: $input) { ${ENCODER_FIELDS} } }`, { input });
          let encoder = pretrainEncoder;
          const progress = new Progress();
          const started = Date.now();
          try {
            while (encoder.status === 'QUEUED' || encoder.status === 'RUNNING') {
              progress.update(0, `pre-training encoder "${encoder.name}" (${encoder.id}): ${encoder.status.toLowerCase()}, ${Math.round((Date.now() - started) / 1000)} s`, encoder.status);
              await new Promise((resolve) => setTimeout(resolve, POLL_MS));
              encoder = (await client.request<{ encoder: EncoderRow }>(`query($id: ID!) { encoder(id: $id) { ${ENCODER_FIELDS} } }`, { id: encoder.id })).encoder;
            }
          } finally {
            progress.stop();
          }
          show(o, encoder, (e) => printEncoders([e]));
          return encoder.status === 'READY' ? 0 : 1;
        }),
      ),
    );

  printing(encoders.command('list').description('list the encoders with their pretext metrics'))
    .option('--dataset <name-or-id>', 'only encoders pre-trained on this dataset')
    .action(
      act(async (o: OutputOptions & { dataset?: string }) =>
        withClient(o, async (client) => {
          const datasetId = o.dataset ? await resolveDataset(client, o.dataset) : undefined;
          const { encoders: rows } = await client.request<{ encoders: EncoderRow[] }>(`query($datasetId: ID) { encoders(datasetId: $datasetId) { ${ENCODER_FIELDS} } }`, { datasetId });
          show(o, rows, printEncoders);
        }),
      ),
    );

  printing(encoders.command('show').description('one encoder: what it was pre-trained on, how, and its per-transformation pretext metrics').argument('<id>', 'the encoder'))
    .action(
      act(async (id: string, o: OutputOptions) =>
        withClient(o, async (client) => {
          const { encoder } = await client.request<{ encoder: (EncoderRow & { settings: unknown }) | null }>(`query($id: ID!) { encoder(id: $id) { ${ENCODER_FIELDS} settings } }`, { id });
          if (!encoder) throw notFound(`no encoder has the id "${id}"`);
          show(o, encoder, (e) => {
            fields([
              ['id', e.id],
              ['name', e.name],
              ['status', e.status.toLowerCase() + (e.error ? ` (${e.error})` : '')],
              ['dataset', e.datasetId],
              ['extra datasets', e.extraDatasetIds.join(', ') || '-'],
              ['spectra', `${e.spectraCount} (${e.unlabelledCount} unlabelled, ${e.heldOutCount} held out)`],
              ['saw labelled', e.sawLabelledSpectra ? 'yes (cross-validation from it on that dataset is transductive)' : 'no'],
              ['pretext acc', e.pretextAccuracy === null ? '-' : e.pretextAccuracy.toFixed(4)],
              ['created', when(e.createdAt)],
            ]);
            process.stdout.write(`settings:       ${JSON.stringify(e.settings)}\n`);
            if (e.pretext.length > 0) {
              process.stdout.write('\n');
              table(
                ['TRANSFORM', 'F1'],
                e.pretext.map((p) => [p.transform, p.f1.toFixed(4)]),
              );
            }
          });
        }),
      ),
    );

  deleteCommand(encoders, 'deleteEncoder', 'delete an encoder (stopping its pre-training); experiments started from it keep their results', ['<id>', 'the encoder']);

  return encoders;
}

function printEncoders(rows: EncoderRow[]): void {
  table(
    ['ID', 'NAME', 'STATUS', 'SPECTRA', 'UNLABELLED', 'PRETEXT ACC', 'PER-TRANSFORM F1'],
    rows.map((r) => [
      r.id,
      r.name,
      r.status.toLowerCase() + (r.error ? ` (${r.error})` : ''),
      String(r.spectraCount),
      String(r.unlabelledCount),
      r.pretextAccuracy === null ? '-' : r.pretextAccuracy.toFixed(4),
      r.pretext.map((p) => `${p.transform} ${p.f1.toFixed(2)}`).join(', '),
    ]),
  );
}
