CREATE TABLE "steps" (
	"id" serial PRIMARY KEY NOT NULL,
	"sequence" integer NOT NULL
);
