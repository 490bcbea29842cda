CREATE TABLE "feedback" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"request_id" text NOT NULL,
	"service_id" uuid NOT NULL,
	"environment" text NOT NULL,
	"score" real NOT NULL,
	"comment" text,
	"key_id" uuid
);
--> statement-breakpoint
CREATE TABLE "gateway_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"service_id" uuid NOT NULL,
	"name" text NOT NULL,
	"key_hash" text NOT NULL,
	"prefix" text NOT NULL,
	"allow_pin" boolean DEFAULT false NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	"last_used_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "request_logs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"request_id" text NOT NULL,
	"service_id" uuid NOT NULL,
	"environment" text NOT NULL,
	"release_id" uuid,
	"release_number" integer,
	"model_version_id" uuid,
	"prompt_version_id" uuid,
	"key_id" uuid,
	"shadow" boolean DEFAULT false NOT NULL,
	"fallback" boolean DEFAULT false NOT NULL,
	"stream" boolean DEFAULT false NOT NULL,
	"status" integer NOT NULL,
	"error_class" text,
	"latency_ms" real NOT NULL,
	"ttft_ms" real,
	"input_tokens" integer DEFAULT 0 NOT NULL,
	"output_tokens" integer DEFAULT 0 NOT NULL,
	"cost_usd" double precision DEFAULT 0 NOT NULL,
	"sticky_hash" text,
	"features" jsonb NOT NULL,
	"sample" jsonb
);
--> statement-breakpoint
ALTER TABLE "environments" ADD COLUMN "gateway" jsonb DEFAULT '{"fallbackToStable":true,"shadow":null,"samplePercent":0,"upstreamTimeoutMs":60000}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "gateway_keys" ADD CONSTRAINT "gateway_keys_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "feedback_request_idx" ON "feedback" USING btree ("request_id");--> statement-breakpoint
CREATE INDEX "feedback_env_at_idx" ON "feedback" USING btree ("service_id","environment","at");--> statement-breakpoint
CREATE UNIQUE INDEX "gateway_keys_hash_key" ON "gateway_keys" USING btree ("key_hash");--> statement-breakpoint
CREATE INDEX "gateway_keys_service_idx" ON "gateway_keys" USING btree ("service_id");--> statement-breakpoint
CREATE INDEX "request_logs_env_at_idx" ON "request_logs" USING btree ("service_id","environment","at");--> statement-breakpoint
CREATE INDEX "request_logs_request_idx" ON "request_logs" USING btree ("request_id");