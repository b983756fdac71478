ALTER TABLE "accounts" ADD COLUMN "plan" text DEFAULT 'free' NOT NULL;
