-- CreateTable
CREATE TABLE "DatasetChunk" (
    "datasetId" TEXT NOT NULL,
    "index" INTEGER NOT NULL,
    "rows" INTEGER NOT NULL,
    "values" BLOB NOT NULL,

    PRIMARY KEY ("datasetId", "index"),
    CONSTRAINT "DatasetChunk_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- Existing matrices become their dataset's single block (added by hand to the generated diff).
INSERT INTO "DatasetChunk" ("datasetId", "index", "rows", "values")
SELECT d."datasetId", 0, s."nSamples", d."values" FROM "DatasetData" d JOIN "Dataset" s ON s."id" = d."datasetId";

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_DatasetData" (
    "datasetId" TEXT NOT NULL PRIMARY KEY,
    "axis" BLOB NOT NULL,
    "labels" TEXT NOT NULL,
    "groups" TEXT,
    "metadata" TEXT NOT NULL DEFAULT '[]',
    CONSTRAINT "DatasetData_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_DatasetData" ("axis", "datasetId", "groups", "labels", "metadata") SELECT "axis", "datasetId", "groups", "labels", "metadata" FROM "DatasetData";
DROP TABLE "DatasetData";
ALTER TABLE "new_DatasetData" RENAME TO "DatasetData";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

