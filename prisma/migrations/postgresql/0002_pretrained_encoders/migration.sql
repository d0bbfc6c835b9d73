-- CreateTable
CREATE TABLE "PretrainedEncoder" (
    "key" TEXT NOT NULL,
    "datasetId" TEXT NOT NULL,
    "state" BYTEA NOT NULL,
    "metrics" TEXT NOT NULL,
    "curves" TEXT NOT NULL DEFAULT '[]',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PretrainedEncoder_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "PretrainedEncoder_datasetId_idx" ON "PretrainedEncoder"("datasetId");

-- AddForeignKey
ALTER TABLE "PretrainedEncoder" ADD CONSTRAINT "PretrainedEncoder_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset"("id") ON DELETE CASCADE ON UPDATE CASCADE;

