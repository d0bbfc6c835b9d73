import { GraphqlClient } from './graphql-client';
import { parseJson, print, requireString, resolveDataset, optionalNumber, table, type ExperimentsOptions } from './experiments.command';

/**
 * `nir-ssl encoders pretrain|list|delete`: pre-train an encoder once (waiting until it is ready),
 * list the encoders with their pretext metrics, delete one. Every operation is a GraphQL one.
 */
const ENCODER_FIELDS = 'id name datasetId status error spectraCount unlabelledCount heldOutCount sawLabelledSpectra pretextAccuracy pretext { transform f1 }';
const POLL_MS = 1000;

interface EncoderRow {
  id: string;
  name: string;
  status: string;
  error: string | null;
  spectraCount: number;
  unlabelledCount: number;
  pretextAccuracy: number | null;
  pretext: { transform: string; f1: number }[];
}

export async function encodersCommand(sub: string, args: string[], options: ExperimentsOptions): Promise<number> {
  const client = new GraphqlClient(options.url, options.token);
  const v = options.values;
  switch (sub) {
    case 'pretrain': {
      const datasetId = await resolveDataset(client, requireString(v.dataset, '--dataset'));
      const extra = (v['pretrain-dataset'] as string[] | undefined) ?? [];
      const input = {
        name: requireString(v.name, '--name'),
        datasetId,
        extraDatasetIds: await Promise.all(extra.map((key) => resolveDataset(client, key))),
        unlabelledOnly: v['unlabelled-only'] === true,
        preprocessing: v.preprocessing ? parseJson(v.preprocessing as string, '--preprocessing') : [],
        model: { plugin: (v.model as string | undefined) ?? 'cnn-classifier', params: v.params ? parseJson(v.params as string, '--params') : {} },
        seed: optionalNumber(v.seed, '--seed'),
      };
      const { pretrainEncoder } = await client.request<{ pretrainEncoder: EncoderRow }>(
        `mutation($input: PretrainEncoderInput!) { pretrainEncoder(input: $input) { ${ENCODER_FIELDS} } }`,
        { input },
      );
      let encoder = pretrainEncoder;
      process.stderr.write(`pre-training encoder "${encoder.name}" (${encoder.id})\n`);
      while (encoder.status === 'QUEUED' || encoder.status === 'RUNNING') {
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        encoder = (await client.request<{ encoder: EncoderRow }>(`query($id: ID!) { encoder(id: $id) { ${ENCODER_FIELDS} } }`, { id: encoder.id })).encoder;
      }
      if (options.json) print(encoder);
      else printEncoders([encoder]);
      return encoder.status === 'READY' ? 0 : 1;
    }
    case 'list': {
      const datasetId = v.dataset ? await resolveDataset(client, v.dataset as string) : undefined;
      const { encoders } = await client.request<{ encoders: EncoderRow[] }>(`query($datasetId: ID) { encoders(datasetId: $datasetId) { ${ENCODER_FIELDS} } }`, { datasetId });
      if (options.json) print(encoders);
      else printEncoders(encoders);
      return 0;
    }
    case 'delete': {
      const id = requireString(args[0], 'an encoder ID');
      await client.request(`mutation($id: ID!) { deleteEncoder(id: $id) }`, { id });
      process.stdout.write(`deleted ${id}\n`);
      return 0;
    }
    default:
      throw new Error(`unknown encoders command "${sub}"`);
  }
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
