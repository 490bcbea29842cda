CREATE TABLE "monitoring_watermarks" (
	"name" text PRIMARY KEY NOT NULL,
	"until" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "monitoring_rollups_day" (
	"bucket" timestamp with time zone NOT NULL,
	"service_id" uuid NOT NULL,
	"environment" text NOT NULL,
	"release_number" integer NOT NULL,
	"shadow" boolean NOT NULL,
	"requests" integer NOT NULL,
	"errors" integer NOT NULL,
	"errors_by_class" jsonb NOT NULL,
	"latency_buckets" integer[] NOT NULL,
	"latency_counts" integer[] NOT NULL,
	"ttft_buckets" integer[] NOT NULL,
	"ttft_counts" integer[] NOT NULL,
	"input_tokens" bigint NOT NULL,
	"output_tokens" bigint NOT NULL,
	"cost_usd" double precision NOT NULL,
	"feedback_count" integer NOT NULL,
	"feedback_sum" double precision NOT NULL,
	"fallbacks" integer NOT NULL,
	CONSTRAINT "monitoring_rollups_day_pkey" PRIMARY KEY("service_id","environment","bucket","release_number","shadow")
);
--> statement-breakpoint
CREATE TABLE "monitoring_rollups_hour" (
	"bucket" timestamp with time zone NOT NULL,
	"service_id" uuid NOT NULL,
	"environment" text NOT NULL,
	"release_number" integer NOT NULL,
	"shadow" boolean NOT NULL,
	"requests" integer NOT NULL,
	"errors" integer NOT NULL,
	"errors_by_class" jsonb NOT NULL,
	"latency_buckets" integer[] NOT NULL,
	"latency_counts" integer[] NOT NULL,
	"ttft_buckets" integer[] NOT NULL,
	"ttft_counts" integer[] NOT NULL,
	"input_tokens" bigint NOT NULL,
	"output_tokens" bigint NOT NULL,
	"cost_usd" double precision NOT NULL,
	"feedback_count" integer NOT NULL,
	"feedback_sum" double precision NOT NULL,
	"fallbacks" integer NOT NULL,
	CONSTRAINT "monitoring_rollups_hour_pkey" PRIMARY KEY("service_id","environment","bucket","release_number","shadow")
);
--> statement-breakpoint
CREATE TABLE "monitoring_rollups_minute" (
	"bucket" timestamp with time zone NOT NULL,
	"service_id" uuid NOT NULL,
	"environment" text NOT NULL,
	"release_number" integer NOT NULL,
	"shadow" boolean NOT NULL,
	"requests" integer NOT NULL,
	"errors" integer NOT NULL,
	"errors_by_class" jsonb NOT NULL,
	"latency_buckets" integer[] NOT NULL,
	"latency_counts" integer[] NOT NULL,
	"ttft_buckets" integer[] NOT NULL,
	"ttft_counts" integer[] NOT NULL,
	"input_tokens" bigint NOT NULL,
	"output_tokens" bigint NOT NULL,
	"cost_usd" double precision NOT NULL,
	"feedback_count" integer NOT NULL,
	"feedback_sum" double precision NOT NULL,
	"fallbacks" integer NOT NULL,
	CONSTRAINT "monitoring_rollups_minute_pkey" PRIMARY KEY("service_id","environment","bucket","release_number","shadow")
);
--> statement-breakpoint
ALTER TABLE "services" ADD COLUMN "monthly_budget_usd" double precision;--> statement-breakpoint
CREATE INDEX "monitoring_rollups_day_bucket_idx" ON "monitoring_rollups_day" USING btree ("bucket");--> statement-breakpoint
CREATE INDEX "monitoring_rollups_hour_bucket_idx" ON "monitoring_rollups_hour" USING btree ("bucket");--> statement-breakpoint
CREATE INDEX "monitoring_rollups_minute_bucket_idx" ON "monitoring_rollups_minute" USING btree ("bucket");