import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Pool } from 'pg';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../../generated/sqlite';
import { PrismaClient as PostgresPrismaClient } from '../../generated/postgres';
import { isPostgresUrl } from '../../config';
import { MIGRATIONS_TABLE, migrate, readMigrations, type Dialect, type MigrationDriver } from './migrator';

const FIRST_MIGRATION = '0001_init';

/**
 * Large binary columns read through the driver itself: Prisma's adapters copy a blob byte by byte
 * (about 3 s for a 30 MB matrix against 0.07 s through better-sqlite3 and 0.5 s through pg).
 */
const BLOB_COLUMNS = {
  'DatasetData.axis': { table: 'DatasetData', column: 'axis', key: 'datasetId' },
  'Model.state': { table: 'Model', column: 'state', key: 'id' },
  'PretrainedEncoder.state': { table: 'PretrainedEncoder', column: 'state', key: 'key' },
} as const;
export type BlobColumn = keyof typeof BLOB_COLUMNS;

type BlobReader = (sql: string, key: string) => Promise<Uint8Array | null>;
type BlobsReader = (sql: string, key: string) => Promise<Uint8Array[]>;

/** One row to insert: column names to values (Date, boolean, bytes and null are converted per dialect). */
export interface RowInsert {
  readonly table: string;
  readonly values: Record<string, string | number | boolean | Date | Uint8Array | null>;
}
type RowsWriter = (rows: readonly RowInsert[]) => Promise<void>;

/** The Prisma client type (the SQLite and PostgreSQL clients share the same model API). */
export type Db = PrismaClient;

/**
 * Owns the database connection: SQLite (embedded, file in the data directory) or PostgreSQL,
 * both through Prisma driver adapters, with migrations applied on open.
 */
export class DatabaseService {
  constructor(
    readonly client: Db,
    readonly dialect: Dialect,
    /** True when this open created the database (first start). */
    readonly created: boolean,
    private readonly closeDriver: () => Promise<void>,
    private readonly readBlobSql: BlobReader,
    private readonly readBlobsSql: BlobsReader,
    private readonly insertRowsSql: RowsWriter,
  ) {}

  /**
   * Inserts rows in one transaction through the driver itself, all or none: for rows with large
   * binary columns, which Prisma's adapters copy byte by byte (a 114 MB matrix took 130 s and
   * 800 MB of memory through Prisma, see BENCHMARKS.md). Buffers are bound without copies.
   */
  async insertRows(rows: readonly RowInsert[]): Promise<void> {
    return this.insertRowsSql(rows);
  }

  /** A dataset's matrix blocks (DatasetChunk.values) in order, read through the driver. */
  async readDatasetChunks(datasetId: string): Promise<Uint8Array[]> {
    const placeholder = this.dialect === 'postgresql' ? '$1' : '?';
    return this.readBlobsSql(`SELECT "values" AS v FROM "DatasetChunk" WHERE "datasetId" = ${placeholder} ORDER BY "index"`, datasetId);
  }

  /** One binary column of one row, or null when the row does not exist. */
  async readBlob(blob: BlobColumn, key: string): Promise<Uint8Array | null> {
    const { table, column, key: keyColumn } = BLOB_COLUMNS[blob];
    const placeholder = this.dialect === 'postgresql' ? '$1' : '?';
    return this.readBlobSql(`SELECT "${column}" AS v FROM "${table}" WHERE "${keyColumn}" = ${placeholder}`, key);
  }

  /**
   * Opens the database at `url` (file:path or postgresql://...; a `schema` query parameter
   * selects a PostgreSQL schema, created if missing) and migrates it.
   */
  static async open(url: string): Promise<DatabaseService> {
    return isPostgresUrl(url) ? openPostgres(url) : openSqlite(url);
  }

  async close(): Promise<void> {
    await this.client.$disconnect();
    await this.closeDriver();
  }
}

async function openSqlite(url: string): Promise<DatabaseService> {
  const file = url.replace(/^file:/, '');
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  // Migrate with a direct connection first; Prisma then opens its own.
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  const driver = sqliteMigrationDriver(db);
  let applied: string[];
  try {
    applied = await migrate(driver, readMigrations('sqlite'));
  } catch (error) {
    db.close();
    throw error;
  }
  // The direct connection stays open for blob reads (WAL lets it read beside Prisma's).
  const client = new PrismaClient({ adapter: new PrismaBetterSQLite3({ url: file, timeout: 10000 }) });
  await client.$connect();
  await client.$executeRawUnsafe('PRAGMA foreign_keys = ON');
  const readBlob: BlobReader = async (sql, key) => (db.prepare(sql).get(key) as { v: Buffer } | undefined)?.v ?? null;
  const readBlobs: BlobsReader = async (sql, key) => (db.prepare(sql).all(key) as { v: Buffer }[]).map((r) => r.v);
  // Synchronous, so no other statement on this connection runs inside the transaction.
  const insertRows: RowsWriter = async (rows) =>
    db.transaction(() => {
      for (const row of rows) {
        const columns = Object.keys(row.values);
        const sql = `INSERT INTO "${row.table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
        db.prepare(sql).run(...columns.map((c) => sqliteValue(row.values[c])));
      }
    })();
  return new DatabaseService(client, 'sqlite', applied.includes(FIRST_MIGRATION), async () => void db.close(), readBlob, readBlobs, insertRows);
}

/** Applies migrations through a direct better-sqlite3 connection. */
export function sqliteMigrationDriver(db: BetterSqlite3.Database): MigrationDriver {
  return {
    exec: async (sql) => void db.exec(sql),
    appliedIds: async () => (db.prepare(`SELECT id FROM "${MIGRATIONS_TABLE}"`).all() as { id: string }[]).map((r) => r.id),
    applyAtomically: async (m) => {
      // Table redefinitions drop and re-create tables: with foreign keys on, the drop would
      // cascade-delete child rows. The pragma is a no-op inside a transaction, so it is set
      // around it, and the keys are checked before the commit.
      db.pragma('foreign_keys = OFF');
      try {
        db.transaction(() => {
          db.exec(m.sql);
          const violations = db.pragma('foreign_key_check') as unknown[];
          if (violations.length > 0) throw new Error(`migration ${m.id} leaves ${violations.length} broken foreign keys`);
          db.prepare(`INSERT INTO "${MIGRATIONS_TABLE}" (id, "appliedAt") VALUES (?, ?)`).run(m.id, new Date().toISOString());
        })();
      } finally {
        db.pragma('foreign_keys = ON');
      }
    },
  };
}

async function openPostgres(url: string): Promise<DatabaseService> {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema') ?? 'public';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(schema)) throw new Error(`invalid PostgreSQL schema name "${schema}"`);
  parsed.searchParams.delete('schema');
  const pool = new Pool({ connectionString: parsed.toString(), options: `-c search_path=${schema}`, max: 10 });
  const client = await pool.connect();
  let applied: string[];
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    // One migrator at a time per database (several test workers or servers may start together).
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [`nir-ssl-migrate:${schema}`]);
    const driver: MigrationDriver = {
      exec: async (sql) => void (await client.query(sql)),
      appliedIds: async () => (await client.query(`SELECT id FROM "${MIGRATIONS_TABLE}"`)).rows.map((r) => r.id as string),
      applyAtomically: async (m) => {
        await client.query('BEGIN');
        try {
          // The generated script creates "public"; tables land in the search_path's schema.
          await client.query(m.sql);
          await client.query(`INSERT INTO "${MIGRATIONS_TABLE}" (id, "appliedAt") VALUES ($1, $2)`, [m.id, new Date().toISOString()]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
      },
    };
    applied = await migrate(driver, readMigrations('postgresql'));
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`nir-ssl-migrate:${schema}`]);
  } finally {
    client.release();
  }
  const prisma = new PostgresPrismaClient({ adapter: new PrismaPg(pool, { schema }) }) as unknown as Db;
  await prisma.$connect();
  const readBlob: BlobReader = async (sql, key) => ((await pool.query(sql, [key])).rows[0]?.v as Buffer | undefined) ?? null;
  const readBlobs: BlobsReader = async (sql, key) => (await pool.query(sql, [key])).rows.map((r) => r.v as Buffer);
  const insertRows: RowsWriter = async (rows) => {
    const connection = await pool.connect();
    try {
      await connection.query('BEGIN');
      for (const row of rows) {
        const columns = Object.keys(row.values);
        const sql = `INSERT INTO "${row.table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map((_, k) => `$${k + 1}`).join(', ')})`;
        await connection.query(sql, columns.map((c) => bufferOf(row.values[c])));
      }
      await connection.query('COMMIT');
    } catch (error) {
      await connection.query('ROLLBACK');
      throw error;
    } finally {
      connection.release();
    }
  };
  return new DatabaseService(prisma, 'postgresql', applied.includes(FIRST_MIGRATION), () => pool.end(), readBlob, readBlobs, insertRows);
}

/** Bytes as a Buffer over the same memory (drivers bind Buffers). */
function bufferOf<T>(value: T): T | Buffer {
  return value instanceof Uint8Array && !Buffer.isBuffer(value) ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : value;
}

/** Values as Prisma's SQLite adapter stores them: dates as ISO text with +00:00, booleans as 0/1. */
function sqliteValue(value: RowInsert['values'][string]): unknown {
  if (value instanceof Date) return value.toISOString().replace(/Z$/, '+00:00');
  if (typeof value === 'boolean') return value ? 1 : 0;
  return bufferOf(value);
}
