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
CREATE TABLE "container_instances" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"environment_id" uuid NOT NULL,
	"release_id" uuid NOT NULL,
	"model_version_id" uuid NOT NULL,
	"slot" text NOT NULL,
	"replica" integer NOT NULL,
	"image" text NOT NULL,
	"container_id" text,
	"container_name" text NOT NULL,
	"host_port" integer NOT NULL,
	"state" text DEFAULT 'starting' NOT NULL,
	"health" text DEFAULT 'unknown' NOT NULL,
	"restarts" integer DEFAULT 0 NOT NULL,
	"message" text DEFAULT '' NOT NULL,
	"expires_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"removed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "load_tests" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"service_id" uuid NOT NULL,
	"environment_id" uuid NOT NULL,
	"environment" text NOT NULL,
	"candidate_release_id" uuid NOT NULL,
	"baseline_release_id" uuid,
	"settings" jsonb NOT NULL,
	"objectives" jsonb NOT NULL,
	"status" text NOT NULL,
	"results" jsonb,
	"series" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"verdict" jsonb,
	"error" text,
	"pipeline_run_id" uuid,
	"requested_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "environments" ADD COLUMN "runtime" jsonb DEFAULT '{"kind":"endpoints"}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "image_builds" ADD CONSTRAINT "image_builds_model_version_id_model_versions_id_fk" FOREIGN KEY ("model_version_id") REFERENCES "public"."model_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "image_builds" ADD CONSTRAINT "image_builds_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "image_builds" ADD CONSTRAINT "image_builds_pipeline_run_id_pipeline_runs_id_fk" FOREIGN KEY ("pipeline_run_id") REFERENCES "public"."pipeline_runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "container_instances" ADD CONSTRAINT "container_instances_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "container_instances" ADD CONSTRAINT "container_instances_release_id_releases_id_fk" FOREIGN KEY ("release_id") REFERENCES "public"."releases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "container_instances" ADD CONSTRAINT "container_instances_model_version_id_model_versions_id_fk" FOREIGN KEY ("model_version_id") REFERENCES "public"."model_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "load_tests" ADD CONSTRAINT "load_tests_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "load_tests" ADD CONSTRAINT "load_tests_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "load_tests" ADD CONSTRAINT "load_tests_candidate_release_id_releases_id_fk" FOREIGN KEY ("candidate_release_id") REFERENCES "public"."releases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "load_tests" ADD CONSTRAINT "load_tests_baseline_release_id_releases_id_fk" FOREIGN KEY ("baseline_release_id") REFERENCES "public"."releases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "load_tests" ADD CONSTRAINT "load_tests_pipeline_run_id_pipeline_runs_id_fk" FOREIGN KEY ("pipeline_run_id") REFERENCES "public"."pipeline_runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "image_builds_model_version_idx" ON "image_builds" USING btree ("model_version_id","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "image_builds_run_idx" ON "image_builds" USING btree ("pipeline_run_id");--> statement-breakpoint
CREATE UNIQUE INDEX "container_instances_live_port_key" ON "container_instances" USING btree ("host_port") WHERE "container_instances"."removed_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "container_instances_live_replica_key" ON "container_instances" USING btree ("environment_id","release_id","replica") WHERE "container_instances"."removed_at" is null;--> statement-breakpoint
CREATE INDEX "container_instances_env_idx" ON "container_instances" USING btree ("environment_id","removed_at");--> statement-breakpoint
CREATE INDEX "load_tests_env_created_idx" ON "load_tests" USING btree ("environment_id","created_at");--> statement-breakpoint
CREATE INDEX "load_tests_pipeline_run_idx" ON "load_tests" USING btree ("pipeline_run_id");