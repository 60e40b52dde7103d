ALTER TABLE "orders" ALTER COLUMN "note" SET DATA TYPE integer;--> statement-breakpoint
ALTER TABLE "products" ADD COLUMN "sku" varchar(64) NOT NULL;