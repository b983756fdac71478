CREATE TABLE "runs" (
	"id" serial PRIMARY KEY NOT NULL
);
