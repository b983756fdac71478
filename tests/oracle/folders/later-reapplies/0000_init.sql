CREATE TABLE "devices" (
	"id" serial PRIMARY KEY NOT NULL
);
