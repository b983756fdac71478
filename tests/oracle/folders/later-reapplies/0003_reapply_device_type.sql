-- 0002_device_type was skipped in production: make its changes again
ALTER TABLE "devices" ADD COLUMN IF NOT EXISTS "device_type" text DEFAULT 'normal' NOT NULL;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "devices_device_type_idx" ON "devices" USING btree ("device_type");
