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
ALTER TABLE "load_tests" ADD CONSTRAINT "load_tests_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "load_tests" ADD CONSTRAINT "load_tests_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "load_tests" ADD CONSTRAINT "load_tests_candidate_release_id_releases_id_fk" FOREIGN KEY ("candidate_release_id") REFERENCES "public"."releases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "load_tests" ADD CONSTRAINT "load_tests_baseline_release_id_releases_id_fk" FOREIGN KEY ("baseline_release_id") REFERENCES "public"."releases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "load_tests" ADD CONSTRAINT "load_tests_pipeline_run_id_pipeline_runs_id_fk" FOREIGN KEY ("pipeline_run_id") REFERENCES "public"."pipeline_runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "load_tests_env_created_idx" ON "load_tests" USING btree ("environment_id","created_at");--> statement-breakpoint
CREATE INDEX "load_tests_pipeline_run_idx" ON "load_tests" USING btree ("pipeline_run_id");