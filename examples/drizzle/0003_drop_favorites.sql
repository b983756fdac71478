DROP TABLE "favorites" CASCADE;
