import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../config';
import { createContainer } from '../container';
import { Logger } from '../logger';
import { TokenService, parseDuration } from '../services/auth/tokens.service';
import { DatabaseService } from '../services/database/database.service';
import { act, configuredToken, printing, show, table, when, withClient, type OutputOptions } from './context';
import { GraphqlClient } from './graphql-client';

/**
 * `nir-ssl tokens create|list|revoke`: in-process on the configured database, or through a
 * server's GraphQL (admins). `nir-ssl audit`: the audit log (admins).
 */

type TokenRow = { id: string; name: string; role: string; createdAt: string | Date; expiresAt: string | Date | null; revokedAt: string | Date | null; lastUsedAt: string | Date | null };
const TOKEN_FIELDS = 'id name role createdAt expiresAt revokedAt lastUsedAt';

/** In-process (no --server): the token service on the configured database, closed after. */
async function withTokens<T>(use: (tokens: TokenService) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const container = await createContainer(config, new Logger(config.logLevel === 'info' ? 'warn' : config.logLevel));
  try {
    return await use(container.get(TokenService));
  } finally {
    await container.get(DatabaseService).close();
  }
}

function remote(o: OutputOptions): GraphqlClient {
  return new GraphqlClient(o.server!, o.token ?? configuredToken(loadConfig()));
}

/** The GraphQL enum spells roles in capitals; the CLI as everywhere else. */
const norm = (row: TokenRow): TokenRow => ({ ...row, role: row.role.toLowerCase() });

function role(value: string): string {
  if (!['reader', 'writer', 'admin'].includes(value)) throw new InvalidArgumentError('role must be one of reader, writer, admin.');
  return value;
}

function duration(value: string): number {
  try {
    return parseDuration(value);
  } catch (error) {
    throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
  }
}

export function tokensCommand(): Command {
  const tokens = new Command('tokens').description('API tokens (admins): in-process on the configured database, or with --server through GraphQL');

  printing(tokens.command('create').description('create an API token and print it (shown once: store it)'))
    .requiredOption('--role <role>', 'what the token may do: reader, writer or admin', role)
    .option('--name <name>', 'whose or what it is')
    .option('--expires <duration>', 'lifetime, e.g. 90d, 12h (default: never expires)', duration)
    .action(
      act(async (o: OutputOptions & { role: string; name?: string; expires?: number }) => {
        const printCreated = (token: string, record: TokenRow) =>
          show(o, { token, ...record }, () => process.stdout.write(`${token}\n(token ${record.id}, ${record.role}, "${record.name}"; shown once: store it now)\n`));
        if (o.server) {
          const input = { role: o.role.toUpperCase(), name: o.name, expiresInDays: o.expires === undefined ? null : Math.max(1, Math.round(o.expires / 86_400_000)) };
          const { createApiToken } = await remote(o).request<{ createApiToken: { token: string; apiToken: TokenRow } }>(
            `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token apiToken { ${TOKEN_FIELDS} } } }`,
            { input },
          );
          return printCreated(createApiToken.token, norm(createApiToken.apiToken));
        }
        const created = await withTokens((t) => t.create({ role: o.role, name: o.name, expiresAt: o.expires === undefined ? null : new Date(Date.now() + o.expires) }));
        printCreated(created.token, created.record);
      }),
    );

  printing(tokens.command('list').description('list the API tokens (never the tokens themselves)')).action(
    act(async (o: OutputOptions) => {
      const rows = o.server
        ? (await remote(o).request<{ apiTokens: TokenRow[] }>(`{ apiTokens { ${TOKEN_FIELDS} } }`)).apiTokens.map(norm)
        : await withTokens((t) => t.list());
      show(o, rows, printTokens);
    }),
  );

  printing(tokens.command('revoke').description('revoke an API token: it stops working at once').argument('<id>', 'the token id'))
    .action(
      act(async (id: string, o: OutputOptions) => {
        const row = o.server
          ? norm((await remote(o).request<{ revokeApiToken: TokenRow }>(`mutation($id: ID!) { revokeApiToken(id: $id) { ${TOKEN_FIELDS} } }`, { id })).revokeApiToken)
          : await withTokens((t) => t.revoke(id));
        show(o, [row], printTokens);
      }),
    );

  return tokens;
}

export function auditCommand(): Command {
  type Entry = { id: string; createdAt: string; tokenId: string | null; actor: string; role: string; operation: string; target: unknown; outcome: string; error: string | null };
  return printing(new Command('audit').description('the audit log (admins): every write with who made it and how it ended'))
    .option('--operation <mutation>', 'only this mutation, e.g. deleteDataset')
    .option('--token-id <id>', 'only the writes made with this token')
    .option('--newest-first', 'newest entries first')
    .action(
      act(async (o: OutputOptions & { operation?: string; tokenId?: string; newestFirst?: boolean }) =>
        withClient(o, async (client) => {
          const rows = await client.readAll<Entry>(
            `query($after: String, $operation: String, $tokenId: ID, $order: CreationOrder!) { auditLog(first: 100, after: $after, operation: $operation, tokenId: $tokenId, order: $order) {
               nodes { id createdAt tokenId actor role operation target outcome error } pageInfo { hasNextPage endCursor } } }`,
            'auditLog',
            { operation: o.operation, tokenId: o.tokenId, order: o.newestFirst ? 'NEWEST_FIRST' : 'OLDEST_FIRST' },
          );
          show(o, rows, (list) =>
            table(
              ['WHEN', 'ACTOR', 'ROLE', 'OPERATION', 'TARGET', 'OUTCOME'],
              list.map((e) => [when(e.createdAt), e.actor, e.role, e.operation, JSON.stringify(e.target), e.outcome + (e.error ? ` (${e.error})` : '')]),
            ),
          );
        }),
      ),
    );
}

function printTokens(rows: TokenRow[]): void {
  table(
    ['ID', 'NAME', 'ROLE', 'CREATED', 'EXPIRES', 'REVOKED', 'LAST USED'],
    rows.map((t) => [t.id, t.name, t.role, when(t.createdAt), when(t.expiresAt), when(t.revokedAt), when(t.lastUsedAt)]),
  );
}
