ALTER TABLE "a" ADD COLUMN "x" integer;
ALTER TABLE "b" ADD COLUMN "y" integer;
