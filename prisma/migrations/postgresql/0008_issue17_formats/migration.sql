-- AlterTable
ALTER TABLE "Dataset" ADD COLUMN     "importNotes" TEXT NOT NULL DEFAULT '[]',
ADD COLUMN     "valueUnit" TEXT NOT NULL DEFAULT '';

