import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { DatabaseService, sqliteMigrationDriver } from '../../src/services/database/database.service';
import { migrate, readMigrations } from '../../src/services/database/migrator';
import { tempDir } from '../helpers/server';

describe('migrations', () => {
  it('upgrade an existing SQLite database without losing rows (table redefinitions keep child rows)', async () => {
    const file = path.join(tempDir('upgrade'), 'old.db');
    const all = readMigrations('sqlite');
    expect(all.map((m) => m.id).slice(0, 3)).toEqual(['0001_init', '0002_pretrained_encoders', '0003_studies']);
    // A database from before the studies migration, with an experiment and a fold result.
    const old = new BetterSqlite3(file);
    old.pragma('foreign_keys = ON');
    await migrate(sqliteMigrationDriver(old), all.slice(0, 2));
    old.exec(`INSERT INTO "Dataset" (id, name, axisUnit, nSamples, nVariables, classes, updatedAt) VALUES ('d1', 'old', 'nm', 1, 1, '[]', '2026-01-01')`);
    old.exec(`INSERT INTO "Experiment" (id, name, datasetId, modelName, config, configHash) VALUES ('e1', 'kept', 'd1', 'knn', '{}', 'h')`);
    old.exec(`INSERT INTO "FoldResult" (id, experimentId, repeat, fold, accuracy, macroF1, details, wallMs) VALUES ('f1', 'e1', 0, 0, 0.9, 0.8, '{}', 5)`);
    old.close();

    const db = await DatabaseService.open(`file:${file}`);
    try {
      expect(db.created).toBe(false);
      expect(await db.client.experiment.findUnique({ where: { id: 'e1' } })).toMatchObject({ name: 'kept', studyId: null });
      expect(await db.client.foldResult.count()).toBe(1);
    } finally {
      await db.close();
    }
    // Opening again applies nothing.
    const again = await DatabaseService.open(`file:${file}`);
    await again.close();
  });

  it("moves an existing dataset's matrix into its first block (0004)", async () => {
    const file = path.join(tempDir('chunks'), 'old.db');
    const all = readMigrations('sqlite');
    const before = all.findIndex((m) => m.id.startsWith('0004_'));
    expect(before).toBeGreaterThan(0);
    const old = new BetterSqlite3(file);
    await migrate(sqliteMigrationDriver(old), all.slice(0, before));
    const values = Buffer.from(new Float32Array([1.5, 2.5, 3.5, 4.5]).buffer);
    old.exec(`INSERT INTO "Dataset" (id, name, axisUnit, nSamples, nVariables, classes, updatedAt) VALUES ('d1', 'old', 'nm', 2, 2, '["a","b"]', '2026-01-01')`);
    old.prepare(`INSERT INTO "DatasetData" (datasetId, axis, "values", labels) VALUES ('d1', ?, ?, '[0,1]')`).run(Buffer.alloc(16), values);
    old.close();

    const db = await DatabaseService.open(`file:${file}`);
    try {
      const chunks = await db.readDatasetChunks('d1');
      expect(chunks.map((c) => Buffer.from(c))).toEqual([values]);
      expect(await db.client.datasetChunk.findUnique({ where: { datasetId_index: { datasetId: 'd1', index: 0 } }, select: { rows: true } })).toEqual({ rows: 2 });
    } finally {
      await db.close();
    }
  });

  it('refuses a database from a newer version', async () => {
    const file = path.join(tempDir('newer'), 'db.sqlite');
    (await DatabaseService.open(`file:${file}`)).close();
    const db = new BetterSqlite3(file);
    db.exec(`INSERT INTO "_nir_ssl_migrations" (id, "appliedAt") VALUES ('9999_future', 'now')`);
    db.close();
    await expect(DatabaseService.open(`file:${file}`)).rejects.toThrow(/migrations this version does not know \(9999_future\)/);
  });
});
