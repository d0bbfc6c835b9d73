-- CreateTable
CREATE TABLE "PretrainedEncoder" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "datasetId" TEXT NOT NULL,
    "state" BLOB NOT NULL,
    "metrics" TEXT NOT NULL,
    "curves" TEXT NOT NULL DEFAULT '[]',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "PretrainedEncoder_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "PretrainedEncoder_datasetId_idx" ON "PretrainedEncoder"("datasetId");

