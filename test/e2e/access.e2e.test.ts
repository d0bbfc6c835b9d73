import path from 'node:path';
import {
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import { Field, ObjectType, Query, Resolver, buildSchema } from 'type-graphql';
import { loadConfig } from '../../src/config';
import { Logger } from '../../src/logger';
import { operationRoles, operationsWithoutRole } from '../../src/schema/auth';
import { buildSchemaForPrinting } from '../../src/schema/build-schema';
import { RESOLVERS } from '../../src/schema/resolvers';
import { startServer } from '../../src/server';
import { DatabaseService } from '../../src/services/database/database.service';
import { roleAllows, type Role } from '../../src/services/auth/roles';
import { TokenService } from '../../src/services/auth/tokens.service';
import { ok, startTestServer, syntheticCsv, tempDir, type TestServer } from '../helpers/server';

/**
 * The access matrix: every query, mutation and subscription of the schema (read from the schema,
 * so a new operation is covered without editing this file) with no token, a reader, a writer, an
 * admin, an expired and a revoked token. Allowed, or UNAUTHENTICATED / FORBIDDEN with nothing
 * written.
 */

/** The policy of issue 14; a new operation fails the test until it is placed here. */
const POLICY: Record<string, Role> = {
  'Mutation.importDataset': 'writer',
  'Mutation.createExperiment': 'writer',
  'Mutation.cancelExperiment': 'writer',
  'Mutation.createStudy': 'writer',
  'Mutation.predict': 'writer',
  'Mutation.importModel': 'writer',
  'Mutation.pretrainEncoder': 'writer',
  'Mutation.deleteEncoder': 'admin',
  'Mutation.renameDataset': 'admin',
  'Mutation.deleteDataset': 'admin',
  'Mutation.deleteExperiment': 'admin',
  'Mutation.deleteModel': 'admin',
  'Mutation.createApiToken': 'admin',
  'Mutation.revokeApiToken': 'admin',
  'Query.apiTokens': 'admin',
  'Query.auditLog': 'admin',
};
const expectedRole = (operation: string): Role | undefined => POLICY[operation] ?? (operation.startsWith('Mutation.') ? undefined : 'reader');

type Caller = 'none' | 'reader' | 'writer' | 'admin' | 'expired' | 'revoked';
const CALLERS: Caller[] = ['none', 'reader', 'writer', 'admin', 'expired', 'revoked'];

function expectedCode(caller: Caller, required: Role): string | null {
  if (caller === 'none' || caller === 'expired' || caller === 'revoked') return 'UNAUTHENTICATED';
  return roleAllows(caller, required) ? null : 'FORBIDDEN';
}

/** A minimal value of an input type (required fields only), ids that name nothing. */
function sampleValue(type: GraphQLInputType): unknown {
  const inner = getNullableType(type);
  if (isListType(inner)) return [sampleValue(inner.ofType)];
  if (isEnumType(inner)) return inner.getValues()[0].name;
  if (isInputObjectType(inner)) {
    const value: Record<string, unknown> = {};
    for (const field of Object.values(inner.getFields())) {
      if (isNonNullType(field.type) && field.defaultValue === undefined) value[field.name] = sampleValue(field.type);
    }
    return value;
  }
  if (isScalarType(inner)) {
    switch (inner.name) {
      case 'ID':
        return 'no-such-id';
      case 'String':
        return 'x';
      case 'Int':
        return 1;
      case 'Float':
        return 1;
      case 'Boolean':
        return false;
      default:
        return {};
    }
  }
  throw new Error(`no sample for ${String(type)}`);
}

/** The document and variables that call `field` of `root` with its required arguments. */
function callOf(root: 'query' | 'mutation' | 'subscription', field: GraphQLField<unknown, unknown>) {
  const required = field.args.filter((a: GraphQLArgument) => isNonNullType(a.type) && a.defaultValue === undefined);
  const variables = Object.fromEntries(required.map((a) => [a.name, sampleValue(a.type)]));
  const defs = required.map((a) => `$${a.name}: ${String(a.type)}`).join(', ');
  const args = required.map((a) => `${a.name}: $${a.name}`).join(', ');
  const selection = isObjectType(getNamedType(field.type)) ? ' { __typename }' : '';
  return { query: `${root}${defs ? `(${defs})` : ''} { ${field.name}${args ? `(${args})` : ''}${selection} }`, variables };
}

describe('access control', () => {
  let server: TestServer;
  let schema: GraphQLSchema;
  const tokens: Partial<Record<Caller, string | null>> = { none: null };

  beforeAll(async () => {
    server = await startTestServer({ databaseUrl: `file:${path.join(tempDir('access'), 'db.sqlite')}` });
    schema = await buildSchemaForPrinting();
    tokens.admin = server.token;
    tokens.reader = (await server.createToken('reader')).token;
    tokens.writer = (await server.createToken('writer')).token;
    const expired = await server.createToken('admin', { name: 'expired', expiresAt: new Date(Date.now() + 60_000) });
    await server.container.get(DatabaseService).client.apiToken.update({ where: { id: expired.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    tokens.expired = expired.token;
    const revoked = await server.createToken('admin', { name: 'revoked' });
    await server.container.get(TokenService).revoke(revoked.id);
    tokens.revoked = revoked.token;
    // Something to delete, rename and predict with, so that an allowed call can do real work.
    ok(await server.gql(`mutation($input: ImportDatasetInput!) { importDataset(input: $input) { id } }`, { input: { name: 'kept', content: syntheticCsv() } }));
  }, 120000);
  afterAll(() => server.close());

  const counts = async () => {
    const db = server.container.get(DatabaseService).client;
    return {
      datasets: await db.dataset.count(),
      experiments: await db.experiment.count(),
      models: await db.model.count(),
      predictions: await db.prediction.count(),
      studies: await db.study.count(),
      tokens: await db.apiToken.count(),
      revoked: await db.apiToken.count({ where: { revokedAt: { not: null } } }),
      audit: await db.auditLog.count(),
    };
  };

  it('every operation declares the role of the policy', () => {
    const declared = operationRoles(RESOLVERS);
    const operations = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].flatMap((type) =>
      Object.keys(type!.getFields()).map((name) => `${type!.name}.${name}`),
    );
    expect(operationsWithoutRole(schema, RESOLVERS)).toEqual([]);
    for (const operation of operations) {
      expect({ operation, role: declared[operation] }).toEqual({ operation, role: expectedRole(operation) });
    }
  });

  it('answers every query and mutation with each caller: allowed, or UNAUTHENTICATED / FORBIDDEN writing nothing', async () => {
    const declared = operationRoles(RESOLVERS);
    const roots = [
      ['query', schema.getQueryType()!],
      ['mutation', schema.getMutationType()!],
    ] as const;
    let checked = 0;
    for (const [root, type] of roots) {
      for (const field of Object.values(type.getFields())) {
        const required = declared[`${type.name}.${field.name}`];
        const call = callOf(root, field);
        for (const caller of CALLERS) {
          const before = await counts();
          const result = await server.gql(call.query, call.variables, tokens[caller]);
          const code = result.errors?.[0]?.extensions?.code ?? null;
          const want = expectedCode(caller, required);
          const seen = { operation: field.name, caller, code: code === 'UNAUTHENTICATED' || code === 'FORBIDDEN' ? code : null };
          expect(seen).toEqual({ operation: field.name, caller, code: want });
          expect(code).not.toBe('INTERNAL_SERVER_ERROR');
          if (want) expect({ operation: field.name, caller, counts: await counts() }).toEqual({ operation: field.name, caller, counts: before });
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(6 * 30);
  }, 120000);

  it('answers every subscription with each caller over graphql-ws', async () => {
    const declared = operationRoles(RESOLVERS);
    const type = schema.getSubscriptionType()!;
    for (const field of Object.values(type.getFields())) {
      const call = callOf('subscription', field);
      for (const caller of CALLERS) {
        const client = server.ws(tokens[caller]);
        const code = await new Promise<string | null>((resolve) => {
          // Allowed: an event, completion, or a non-auth error; or still open after a while.
          const timer = setTimeout(() => resolve(null), 1500);
          client.subscribe(call, {
            next: (value) => {
              clearTimeout(timer);
              resolve((value.errors?.[0]?.extensions?.code as string | undefined) ?? null);
            },
            error: (error) => {
              clearTimeout(timer);
              const errors = Array.isArray(error) ? (error as { extensions?: { code?: string } }[]) : [];
              resolve(errors[0]?.extensions?.code ?? 'SOCKET_ERROR');
            },
            complete: () => {
              clearTimeout(timer);
              resolve(null);
            },
          });
        });
        await client.dispose();
        const auth = code === 'UNAUTHENTICATED' || code === 'FORBIDDEN' ? code : null;
        expect({ operation: field.name, caller, code: auth }).toEqual({ operation: field.name, caller, code: expectedCode(caller, declared[`Subscription.${field.name}`]) });
      }
    }
  }, 120000);

  it('audits writes with the token, never the token itself', async () => {
    const created = ok(await server.gql<{ createApiToken: { token: string; apiToken: { id: string } } }>(`mutation { createApiToken(input: { role: READER, name: "audited" }) { token apiToken { id } } }`));
    const log = ok(
      await server.gql<{ auditLog: { nodes: { operation: string; outcome: string; tokenId: string | null; actor: string; target: Record<string, unknown> }[] } }>(
        `{ auditLog(first: 100, order: NEWEST_FIRST) { nodes { operation outcome tokenId actor target } } }`,
      ),
    ).auditLog.nodes;
    expect(log[0]).toMatchObject({ operation: 'createApiToken', outcome: 'ok', actor: expect.any(String), target: { role: 'reader', name: 'audited' } });
    expect(log.filter((e) => e.operation === 'importDataset').map((e) => e.outcome)).toContain('BAD_USER_INPUT');
    expect(JSON.stringify(log)).not.toContain(created.createApiToken.token);
    expect(JSON.stringify(log)).not.toContain(server.token);
  });

  it('refuses a malformed Authorization header, and works with a token that is then revoked no more', async () => {
    const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Basic abc' }, body: JSON.stringify({ query: '{ system { version } }' }) });
    expect(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const reader = await server.createToken('reader');
    expect(ok(await server.gql<{ system: { version: string } }>('{ system { version } }', {}, reader.token)).system.version).toBeTruthy();
    ok(await server.gql(`mutation($id: ID!) { revokeApiToken(id: $id) { revokedAt } }`, { id: reader.id }));
    expect((await server.gql('{ system { version } }', {}, reader.token)).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('lets anonymous clients read (only) when NIR_SSL_ANONYMOUS_READ is on', async () => {
    const open = await startTestServer({ databaseUrl: `file:${path.join(tempDir('anon'), 'db.sqlite')}`, anonymousRead: true });
    try {
      expect(ok(await open.gql<{ datasets: unknown[] }>('{ datasets { id } }', {}, null)).datasets).toEqual([]);
      const write = await open.gql(`mutation { deleteDataset(id: "x") }`, {}, null);
      expect(write.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    } finally {
      await open.close();
    }
  }, 60000);

  it('refuses NIR_SSL_AUTH=off unless the server listens on loopback only', async () => {
    const config = loadConfig({ NIR_SSL_AUTH: 'off' }, { host: '0.0.0.0', port: 0, dataDir: tempDir('off'), databaseUrl: `file:${path.join(tempDir('off-db'), 'db.sqlite')}`, logLevel: 'silent' });
    await expect(startServer(config, new Logger('silent'))).rejects.toThrow(/NIR_SSL_AUTH=off is refused unless/);
  });

  it('finds an operation without a role (the server would refuse to start)', async () => {
    @ObjectType({ description: 'x' })
    class Unguarded {
      @Field({ description: 'x' }) x!: string;
    }
    @Resolver()
    class UnguardedResolver {
      @Query(() => Unguarded, { description: 'forgotten' })
      forgotten(): Unguarded {
        return { x: '' };
      }
    }
    const withForgotten = await buildSchema({ resolvers: [UnguardedResolver], authChecker: () => true, validate: false });
    expect(operationsWithoutRole(withForgotten, [UnguardedResolver])).toEqual(['Query.forgotten']);
  });
});
