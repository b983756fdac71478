CREATE TABLE "sessions" (
	"id" serial PRIMARY KEY NOT NULL
);
