#!/usr/bin/env node
// Generates the two Prisma clients (SQLite and PostgreSQL) from prisma/schema.prisma.
// A client is bound to one provider, so the PostgreSQL schema is the same model with the
// datasource and output swapped. Runs without downloading engines (engineType = "client").
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const source = fs.readFileSync(path.join(root, 'prisma/schema.prisma'), 'utf8');
const pgSchema = source
  .replace('provider = "sqlite"', 'provider = "postgresql"')
  .replace('../src/generated/sqlite', '../../src/generated/postgres');
const pgDir = path.join(root, 'prisma/postgres');
fs.mkdirSync(pgDir, { recursive: true });
fs.writeFileSync(path.join(pgDir, 'schema.prisma'), pgSchema);

const env = {
  ...process.env,
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
  CHECKPOINT_DISABLE: '1',
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? path.join(root, 'scripts/no-schema-engine'),
};
const cli = path.join(root, 'node_modules/prisma/build/index.js');
// The URLs are placeholders: the CLI wants DATABASE_URL to be set (else it fetches a native
// engine), while the application connects through driver adapters with its own configuration.
const targets = [
  ['prisma/schema.prisma', 'file:./placeholder.db'],
  ['prisma/postgres/schema.prisma', 'postgresql://localhost/placeholder'],
];
for (const [schema, url] of targets) {
  execFileSync(process.execPath, [cli, 'generate', '--schema', schema], {
    cwd: root,
    env: { ...env, DATABASE_URL: url },
    stdio: 'inherit',
  });
}
