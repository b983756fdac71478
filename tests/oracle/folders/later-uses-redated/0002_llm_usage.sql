CREATE TABLE "llm_usage" (
	"id" serial PRIMARY KEY NOT NULL,
	"model" text NOT NULL
);
--> statement-breakpoint
INSERT INTO "llm_usage" ("model") VALUES ('gpt-4');
