CREATE TABLE "cafés" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text DEFAULT 'café ☕ 🎉' NOT NULL
);
--> statement-breakpoint
COMMENT ON TABLE "cafés" IS 'naïve 😀 ∑';
