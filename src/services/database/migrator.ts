import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../paths';

/**
 * Applies prisma/migrations/<dialect>/NNNN_name/migration.sql in order, once each, recording
 * them in a table of its own. Each migration runs in a transaction, so a failure leaves the
 * database at the previous version. (Prisma's migrate deploy needs a native engine here.)
 */
export type Dialect = 'sqlite' | 'postgresql';

export interface Migration {
  readonly id: string;
  readonly sql: string;
}

/** What the migrator needs from a connection. */
export interface MigrationDriver {
  /** Runs several statements. */
  exec(sql: string): Promise<void>;
  appliedIds(): Promise<string[]>;
  /** Runs the migration and records it, atomically. */
  applyAtomically(migration: Migration): Promise<void>;
}

export const MIGRATIONS_TABLE = '_nir_ssl_migrations';

export function readMigrations(dialect: Dialect, root = path.join(PROJECT_ROOT, 'prisma/migrations')): Migration[] {
  const dir = path.join(root, dialect);
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()
    .map((id) => ({ id, sql: fs.readFileSync(path.join(dir, id, 'migration.sql'), 'utf8') }));
}

/** Applies what is missing; returns the ids it applied. */
export async function migrate(driver: MigrationDriver, migrations: Migration[]): Promise<string[]> {
  await driver.exec(
    `CREATE TABLE IF NOT EXISTS "${MIGRATIONS_TABLE}" ("id" TEXT PRIMARY KEY, "appliedAt" TEXT NOT NULL)`,
  );
  const applied = new Set(await driver.appliedIds());
  const known = new Set(migrations.map((m) => m.id));
  const unknown = [...applied].filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new Error(`the database has migrations this version does not know (${unknown.join(', ')}): is it from a newer nir-ssl?`);
  }
  const done: string[] = [];
  for (const migration of migrations) {
    if (applied.has(migration.id)) continue;
    await driver.applyAtomically(migration);
    done.push(migration.id);
  }
  return done;
}
