CREATE INDEX "steps_sequence_idx" ON "steps" USING btree ("sequence");--> statement-breakpoint
ALTER TABLE "steps" ADD COLUMN "note" text;
