CREATE TABLE "image_builds" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"model_version_id" uuid NOT NULL,
	"service_id" uuid NOT NULL,
	"pipeline_run_id" uuid,
	"step_name" text NOT NULL,
	"source_repository" text NOT NULL,
	"source_commit" text NOT NULL,
	"tag" text,
	"status" text DEFAULT 'queued' NOT NULL,
	"image_id" text,
	"size_bytes" bigint,
	"labels" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"artifacts" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"log" text DEFAULT '' NOT NULL,
	"error" text,
	"pushed_ref" text,
	"pushed_digest" text,
	"pushed_at" timestamp with time zone,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "image_builds" ADD CONSTRAINT "image_builds_model_version_id_model_versions_id_fk" FOREIGN KEY ("model_version_id") REFERENCES "public"."model_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "image_builds" ADD CONSTRAINT "image_builds_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "image_builds" ADD CONSTRAINT "image_builds_pipeline_run_id_pipeline_runs_id_fk" FOREIGN KEY ("pipeline_run_id") REFERENCES "public"."pipeline_runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "image_builds_model_version_idx" ON "image_builds" USING btree ("model_version_id","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "image_builds_run_idx" ON "image_builds" USING btree ("pipeline_run_id");