ALTER TABLE "steps" RENAME COLUMN "sequence" TO "position";--> statement-breakpoint
ALTER TABLE "steps" DROP COLUMN "note";
