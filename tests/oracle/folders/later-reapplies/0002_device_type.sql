ALTER TABLE "devices" ADD COLUMN "device_type" text DEFAULT 'normal' NOT NULL;--> statement-breakpoint
CREATE INDEX "devices_device_type_idx" ON "devices" USING btree ("device_type");
