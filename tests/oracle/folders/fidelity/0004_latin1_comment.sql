-- café crème: Latin-1 bytes, not UTF-8
CREATE TABLE "c" ("id" integer);
