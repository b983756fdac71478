CREATE TABLE "notes" (
	"id" serial PRIMARY KEY NOT NULL,
	"body" text
);