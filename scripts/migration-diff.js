#!/usr/bin/env node
// Writes the next migration for both dialects from the change to prisma/schema.prisma:
//   node scripts/migration-diff.js <name>
// `prisma migrate dev` cannot run here (no native schema engine), so each migration is the
// `migrate diff --script` from the schema snapshot of the previous migration to the current
// schema. Snapshots live next to the migrations; the server applies them (migrator.ts).
// The PostgreSQL diff needs a reachable server: PG_URL (default postgresql://postgres@127.0.0.1:5432/postgres).
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error('usage: node scripts/migration-diff.js <name: a-z, 0-9, _>');
  process.exit(2);
}
const root = path.resolve(__dirname, '..');
const migrationsDir = path.join(root, 'prisma/migrations');
const snapshotsDir = path.join(migrationsDir, 'snapshots');
fs.mkdirSync(snapshotsDir, { recursive: true });

const snapshots = fs.readdirSync(snapshotsDir).filter((f) => f.endsWith('.prisma')).sort();
const previous = snapshots.length ? path.join(snapshotsDir, snapshots[snapshots.length - 1]) : null;
const id = `${String(snapshots.length + 1).padStart(4, '0')}_${name}`;
const current = fs.readFileSync(path.join(root, 'prisma/schema.prisma'), 'utf8');
const toPostgres = (schema) => schema.replace('provider = "sqlite"', 'provider = "postgresql"');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nir-ssl-migration-'));
const cli = path.join(root, 'node_modules/prisma/build/index.js');
const env = {
  ...process.env,
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
  CHECKPOINT_DISABLE: '1',
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? path.join(root, 'scripts/no-schema-engine'),
};
const dialects = [
  { dir: 'sqlite', url: `file:${path.join(tmp, 'diff.db')}`, flavour: (s) => s },
  { dir: 'postgresql', url: process.env.PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres', flavour: toPostgres },
];
for (const dialect of dialects) {
  const to = path.join(tmp, `${dialect.dir}-to.prisma`);
  fs.writeFileSync(to, dialect.flavour(current));
  const from = ['--from-empty'];
  if (previous) {
    const fromFile = path.join(tmp, `${dialect.dir}-from.prisma`);
    fs.writeFileSync(fromFile, dialect.flavour(fs.readFileSync(previous, 'utf8')));
    from.splice(0, 1, '--from-schema-datamodel', fromFile);
  }
  const sql = execFileSync(
    process.execPath,
    [cli, 'migrate', 'diff', ...from, '--to-schema-datamodel', to, '--script'],
    { cwd: root, env: { ...env, DATABASE_URL: dialect.url }, encoding: 'utf8' },
  );
  const out = path.join(migrationsDir, dialect.dir, id);
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'migration.sql'), sql);
  console.log(`wrote ${path.relative(root, out)}/migration.sql`);
}
fs.writeFileSync(path.join(snapshotsDir, `${id}.prisma`), current);
fs.rmSync(tmp, { recursive: true, force: true });
