// Prisma CLI configuration: the JS engine with a driver adapter, so that no native engine is
// downloaded. The server applies migrations itself (src/services/database/migrator.ts); the CLI
// generates the clients (scripts/prisma-generate.js) and writes new migrations with
// `migrate diff` (scripts/migration-diff.js). DATABASE_URL picks the dialect.
import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';

const url = process.env.DATABASE_URL ?? 'file:./.tmp/prisma-cli.db';
const isPostgres = /^postgres(ql)?:/.test(url);

export default defineConfig({
  engine: 'js',
  experimental: { adapter: true },
  schema: path.join('prisma', isPostgres ? 'postgres' : '', 'schema.prisma'),
  async adapter() {
    return isPostgres ? new PrismaPg({ connectionString: url }) : new PrismaBetterSQLite3({ url });
  },
});
