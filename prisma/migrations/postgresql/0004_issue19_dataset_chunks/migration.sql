
-- CreateTable
CREATE TABLE "DatasetChunk" (
    "datasetId" TEXT NOT NULL,
    "index" INTEGER NOT NULL,
    "rows" INTEGER NOT NULL,
    "values" BYTEA NOT NULL,

    CONSTRAINT "DatasetChunk_pkey" PRIMARY KEY ("datasetId","index")
);

-- AddForeignKey
ALTER TABLE "DatasetChunk" ADD CONSTRAINT "DatasetChunk_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Existing matrices become their dataset's single block (added by hand to the generated diff).
INSERT INTO "DatasetChunk" ("datasetId", "index", "rows", "values")
SELECT d."datasetId", 0, s."nSamples", d."values" FROM "DatasetData" d JOIN "Dataset" s ON s."id" = d."datasetId";

-- AlterTable
ALTER TABLE "DatasetData" DROP COLUMN "values";
