ALTER TABLE "books" ADD COLUMN IF NOT EXISTS "isbn" varchar(13);
