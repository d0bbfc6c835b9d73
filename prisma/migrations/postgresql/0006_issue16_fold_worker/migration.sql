-- AlterTable
ALTER TABLE "FoldResult" ADD COLUMN     "backend" TEXT,
ADD COLUMN     "worker" TEXT;

