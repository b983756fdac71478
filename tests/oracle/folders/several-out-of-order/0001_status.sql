CREATE TYPE "public"."status" AS ENUM('open', 'closed');--> statement-breakpoint
ALTER TABLE "projects" ADD COLUMN "status" "status" DEFAULT 'open' NOT NULL;