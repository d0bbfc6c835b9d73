import fs from 'node:fs';
import { GraphqlClient } from './graphql-client';

/**
 * `nir-ssl study run --dataset NAME --preset quick|full [--out FILE]`: queues the paper's
 * experiment set, follows it, writes the Markdown report. `study report ID` rewrites the report
 * of an existing study (for instance after a restart finished it).
 */
export async function studyCommand(sub: string, args: string[], url: string, token: string | null, values: Record<string, unknown>): Promise<number> {
  const client = new GraphqlClient(url, token);
  if (sub === 'run') {
    const datasetKey = values.dataset as string | undefined;
    if (!datasetKey) throw new Error('missing --dataset');
    const { dataset } = await client.request<{ dataset: { id: string } | null }>(`query($name: String) { dataset(name: $name) { id } }`, { name: datasetKey });
    const preset = String(values.preset ?? 'quick').toUpperCase();
    const { createStudy } = await client.request<{ createStudy: { id: string; experimentsTotal: number } }>(
      `mutation($input: CreateStudyInput!) { createStudy(input: $input) { id experimentsTotal } }`,
      {
        input: {
          datasetId: dataset?.id ?? datasetKey,
          preset,
          name: values.name,
          parts: typeof values.parts === 'string' ? values.parts.split(',') : undefined,
          folds: numberOrUndefined(values.folds),
          pretextEpochs: numberOrUndefined(values['pretext-epochs']),
          finetuneEpochs: numberOrUndefined(values['finetune-epochs']),
          fractions: typeof values.fractions === 'string' ? values.fractions.split(',').map(Number) : undefined,
        },
      },
    );
    process.stderr.write(`study ${createStudy.id}: ${createStudy.experimentsTotal} experiments queued\n`);
    await follow(client, createStudy.id);
    return writeReport(client, createStudy.id, values.out as string | undefined);
  }
  if (sub === 'report') {
    const id = args[0];
    if (!id) throw new Error('study report needs a study ID');
    return writeReport(client, id, values.out as string | undefined);
  }
  throw new Error(`unknown study command "${sub}"`);
}

async function follow(client: GraphqlClient, id: string): Promise<void> {
  let last = '';
  for (;;) {
    const { study } = await client.request<{ study: { status: string; experimentsFinished: number; experimentsTotal: number; experiments: { name: string; status: string; progress: { stage: string | null; epoch: number | null; epochs: number | null; foldsDone: number; foldsTotal: number } | null }[] } }>(
      `query($id: ID!) { study(id: $id) { status experimentsFinished experimentsTotal experiments { name status progress { stage epoch epochs foldsDone foldsTotal } } } }`,
      { id },
    );
    const current = study.experiments.find((e) => e.status === 'RUNNING');
    const where = current?.progress
      ? ` | ${current.name}: fold ${Math.min(current.progress.foldsDone + 1, current.progress.foldsTotal)}/${current.progress.foldsTotal}${current.progress.stage ? ` ${current.progress.stage} ${current.progress.epoch}/${current.progress.epochs}` : ''}`
      : '';
    const line = `${study.experimentsFinished}/${study.experimentsTotal} experiments done${where}`;
    if (line !== last) {
      process.stderr.write(process.stderr.isTTY ? `\r${line.padEnd(120).slice(0, 120)}` : `${line}\n`);
      last = line;
    }
    if (study.status === 'FINISHED') break;
    await new Promise((r) => setTimeout(r, 2000));
  }
  if (process.stderr.isTTY) process.stderr.write('\n');
}

async function writeReport(client: GraphqlClient, id: string, out: string | undefined): Promise<number> {
  const { study } = await client.request<{ study: { report: string; experiments: { status: string }[] } }>(`query($id: ID!) { study(id: $id) { report experiments { status } } }`, { id });
  if (out) {
    fs.writeFileSync(out, `${study.report}\n`);
    process.stderr.write(`report written to ${out}\n`);
  } else {
    process.stdout.write(`${study.report}\n`);
  }
  return study.experiments.every((e) => e.status === 'SUCCEEDED') ? 0 : 1;
}

function numberOrUndefined(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`expected a number, got "${value}"`);
  return n;
}
