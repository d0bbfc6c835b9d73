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
    "valueUnit" TEXT NOT NULL DEFAULT '',
    "importNotes" TEXT NOT NULL DEFAULT '[]',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);
INSERT INTO "new_Dataset" ("axisUnit", "classes", "createdAt", "description", "hasGroups", "id", "metadataNames", "nSamples", "nUnlabelled", "nVariables", "name", "source", "updatedAt") SELECT "axisUnit", "classes", "createdAt", "description", "hasGroups", "id", "metadataNames", "nSamples", "nUnlabelled", "nVariables", "name", "source", "updatedAt" FROM "Dataset";
DROP TABLE "Dataset";
ALTER TABLE "new_Dataset" RENAME TO "Dataset";
CREATE UNIQUE INDEX "Dataset_name_key" ON "Dataset"("name");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

