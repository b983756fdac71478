-- Custom SQL migration file, put your code below! --
ALTER TABLE "books" ADD COLUMN "isbn" varchar(13);
CREATE UNIQUE INDEX IF NOT EXISTS "books_isbn_idx" ON "books" USING btree ("isbn");
