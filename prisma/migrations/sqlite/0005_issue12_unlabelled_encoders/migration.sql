-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Dataset" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "source" TEXT NOT NULL DEFAULT '',
    "axisUnit" TEXT NOT NULL,
    "nSamples" INTEGER NOT NULL,
    "nVariables" INTEGER NOT NULL,
    "classes" TEXT NOT NULL,
    "metadataNames" TEXT NOT NULL DEFAULT '[]',
    "hasGroups" BOOLEAN NOT NULL DEFAULT false,
    "nUnlabelled" INTEGER NOT NULL DEFAULT 0,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);
INSERT INTO "new_Dataset" ("axisUnit", "classes", "createdAt", "description", "hasGroups", "id", "metadataNames", "nSamples", "nVariables", "name", "source", "updatedAt") SELECT "axisUnit", "classes", "createdAt", "description", "hasGroups", "id", "metadataNames", "nSamples", "nVariables", "name", "source", "updatedAt" FROM "Dataset";
DROP TABLE "Dataset";
ALTER TABLE "new_Dataset" RENAME TO "Dataset";
CREATE UNIQUE INDEX "Dataset_name_key" ON "Dataset"("name");
CREATE TABLE "new_PretrainedEncoder" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "datasetId" TEXT NOT NULL,
    "state" BLOB NOT NULL,
    "metrics" TEXT NOT NULL,
    "curves" TEXT NOT NULL DEFAULT '[]',
    "origin" TEXT NOT NULL DEFAULT 'fold',
    "name" TEXT,
    "status" TEXT NOT NULL DEFAULT 'ready',
    "error" TEXT,
    "config" TEXT NOT NULL DEFAULT '{}',
    "spectraCount" INTEGER NOT NULL DEFAULT 0,
    "unlabelledCount" INTEGER NOT NULL DEFAULT 0,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "PretrainedEncoder_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_PretrainedEncoder" ("createdAt", "curves", "datasetId", "key", "metrics", "state") SELECT "createdAt", "curves", "datasetId", "key", "metrics", "state" FROM "PretrainedEncoder";
DROP TABLE "PretrainedEncoder";
ALTER TABLE "new_PretrainedEncoder" RENAME TO "PretrainedEncoder";
CREATE UNIQUE INDEX "PretrainedEncoder_name_key" ON "PretrainedEncoder"("name");
CREATE INDEX "PretrainedEncoder_datasetId_idx" ON "PretrainedEncoder"("datasetId");
CREATE INDEX "PretrainedEncoder_origin_idx" ON "PretrainedEncoder"("origin");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

