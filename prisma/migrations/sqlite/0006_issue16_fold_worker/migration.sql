-- AlterTable
ALTER TABLE "FoldResult" ADD COLUMN "backend" TEXT;
ALTER TABLE "FoldResult" ADD COLUMN "worker" TEXT;

