import path from 'node:path';
import { buildClientSchema, getNamedType, isInputObjectType, type GraphQLArgument, type GraphQLInputField, type IntrospectionQuery, getIntrospectionQuery } from 'graphql';
import { ok, startTestServer, syntheticCsv, tempDir, type TestServer } from '../helpers/server';

const MISSING = 'no-such-id';

/**
 * The not-found convention (README): a single-item query answers null for an unknown id; every
 * other operation given an unknown id fails with NOT_FOUND naming the kind and the id; a list
 * filtered by an unknown id is empty. The tables below must name every operation that takes an
 * id, so a new one cannot skip the convention unnoticed.
 */
describe('one not-found convention', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ databaseUrl: `file:${path.join(tempDir('not-found'), 'db.sqlite')}` });
    ok(await server.gql('mutation($input: ImportDatasetInput!) { importDataset(input: $input) { id } }', { input: { name: 'present', content: syntheticCsv() } }));
  });
  afterAll(() => server.close());

  const singleItemQueries: Record<string, string> = {
    dataset: `{ dataset(id: "${MISSING}") { id } }`,
    experiment: `{ experiment(id: "${MISSING}") { id } }`,
    model: `{ model(id: "${MISSING}") { id } }`,
    study: `{ study(id: "${MISSING}") { id } }`,
    encoder: `{ encoder(id: "${MISSING}") { id } }`,
  };

  /** Each operation with the kind it must name. */
  const failing = (): Record<string, [string, string]> => ({
    compareExperiments: [`{ compareExperiments(ids: ["${MISSING}", "${MISSING}-2"]) { pairs { a } } }`, 'experiment'],
    previewTransform: [`{ previewTransform(datasetId: "${MISSING}", steps: [{ name: "snv" }], sampleIndices: [0]) { axis } }`, 'dataset'],
    renameDataset: [`mutation { renameDataset(id: "${MISSING}", name: "x") { id } }`, 'dataset'],
    deleteDataset: [`mutation { deleteDataset(id: "${MISSING}") }`, 'dataset'],
    createExperiment: [`mutation { createExperiment(input: { name: "x", datasetId: "${MISSING}", model: { plugin: "knn" } }) { id } }`, 'dataset'],
    cancelExperiment: [`mutation { cancelExperiment(id: "${MISSING}") { id } }`, 'experiment'],
    deleteExperiment: [`mutation { deleteExperiment(id: "${MISSING}") }`, 'experiment'],
    deleteModel: [`mutation { deleteModel(id: "${MISSING}") }`, 'model'],
    predict: [`mutation { predict(input: { modelId: "${MISSING}", spectra: [[1]] }) { id } }`, 'model'],
    exportModel: [`{ exportModel(id: "${MISSING}") { fileName } }`, 'model'],
    createStudy: [`mutation { createStudy(input: { datasetId: "${MISSING}", preset: QUICK }) { id } }`, 'dataset'],
    revokeApiToken: [`mutation { revokeApiToken(id: "${MISSING}") { id } }`, 'token'],
    pretrainEncoder: [`mutation { pretrainEncoder(input: { name: "x", datasetId: "${MISSING}" }) { id } }`, 'dataset'],
    deleteEncoder: [`mutation { deleteEncoder(id: "${MISSING}") }`, 'encoder'],
  });

  const filteredLists: Record<string, string> = {
    experiments: `{ experiments(filter: { datasetId: "${MISSING}" }) { id } }`,
    models: `{ models(datasetId: "${MISSING}", experimentId: "${MISSING}") { id } }`,
    predictions: `{ predictions(modelId: "${MISSING}", datasetId: "${MISSING}") { id } }`,
    studies: `{ studies(datasetId: "${MISSING}") { id } }`,
    experimentsConnection: `{ experimentsConnection(filter: { datasetId: "${MISSING}" }) { nodes { id } } }`,
    modelsConnection: `{ modelsConnection(datasetId: "${MISSING}", experimentId: "${MISSING}") { nodes { id } } }`,
    predictionsConnection: `{ predictionsConnection(modelId: "${MISSING}", datasetId: "${MISSING}") { nodes { id } } }`,
    studiesConnection: `{ studiesConnection(datasetId: "${MISSING}") { nodes { id } } }`,
    auditLog: `{ auditLog(tokenId: "${MISSING}") { nodes { id } } }`,
    encoders: `{ encoders(datasetId: "${MISSING}") { id } }`,
  };

  it('names every query and mutation that takes an id', async () => {
    const introspection = ok(await server.gql<IntrospectionQuery>(getIntrospectionQuery()));
    const schema = buildClientSchema(introspection);
    const takesId = (args: readonly (GraphQLArgument | GraphQLInputField)[], depth = 0): boolean =>
      args.some((arg) => {
        const type = getNamedType(arg.type);
        return type.name === 'ID' || (depth < 2 && isInputObjectType(type) && takesId(Object.values(type.getFields()), depth + 1));
      });
    const withIds = [...Object.values(schema.getQueryType()!.getFields()), ...Object.values(schema.getMutationType()!.getFields())]
      .filter((field) => takesId(field.args) && !field.deprecationReason)
      .map((field) => field.name);
    const covered = [...Object.keys(singleItemQueries), ...Object.keys(failing()), ...Object.keys(filteredLists)];
    expect(withIds.filter((name) => !covered.includes(name))).toEqual([]);
  });

  it.each(Object.entries(singleItemQueries))('%s(id) answers null for an unknown id', async (field, query) => {
    expect(await server.gql(query)).toEqual({ data: { [field]: null } });
  });

  it.each(Object.entries(failing()))('%s fails with NOT_FOUND naming the kind and the id', async (_field, [query, kind]) => {
    const result = await server.gql(query);
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0]).toMatchObject({ message: `${kind} "${MISSING}" not found`, extensions: { code: 'NOT_FOUND', kind, id: MISSING } });
  });

  it.each(Object.entries(filteredLists))('%s filtered by an unknown id is empty', async (field, query) => {
    const answer = ok(await server.gql<Record<string, unknown[] | { nodes: unknown[] }>>(query))[field];
    expect(Array.isArray(answer) ? answer : answer.nodes).toEqual([]);
  });
});
