CREATE TYPE "public"."role" AS ENUM('owner', 'member');--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "role" "role" DEFAULT 'member' NOT NULL;--> statement-breakpoint
INSERT INTO "accounts" ("name") VALUES ('system');
