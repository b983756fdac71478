ALTER TABLE "llm_usage" ADD COLUMN "raw_model" text;--> statement-breakpoint
UPDATE "llm_usage" SET "raw_model" = "model";--> statement-breakpoint
CREATE INDEX "llm_usage_raw_model_idx" ON "llm_usage" USING btree ("raw_model");
