-- AlterTable
ALTER TABLE "Dataset" ADD COLUMN     "nUnlabelled" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "PretrainedEncoder" ADD COLUMN     "config" TEXT NOT NULL DEFAULT '{}',
ADD COLUMN     "error" TEXT,
ADD COLUMN     "name" TEXT,
ADD COLUMN     "origin" TEXT NOT NULL DEFAULT 'fold',
ADD COLUMN     "spectraCount" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "status" TEXT NOT NULL DEFAULT 'ready',
ADD COLUMN     "unlabelledCount" INTEGER NOT NULL DEFAULT 0;

-- CreateIndex
CREATE UNIQUE INDEX "PretrainedEncoder_name_key" ON "PretrainedEncoder"("name");

-- CreateIndex
CREATE INDEX "PretrainedEncoder_origin_idx" ON "PretrainedEncoder"("origin");

