CREATE TABLE "drift_reports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"service_id" uuid NOT NULL,
	"environment_id" uuid NOT NULL,
	"environment" text NOT NULL,
	"release_id" uuid,
	"release_number" integer,
	"trigger" text NOT NULL,
	"requested_by" text,
	"status" text NOT NULL,
	"reference" jsonb NOT NULL,
	"current" jsonb NOT NULL,
	"features" jsonb NOT NULL,
	"text" jsonb NOT NULL,
	"drifted_share" real,
	"dataset_drift" boolean NOT NULL,
	"settings" jsonb NOT NULL,
	"error" text,
	"duration_ms" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "online_eval_state" (
	"environment_id" uuid PRIMARY KEY NOT NULL,
	"watermark_at" timestamp with time zone NOT NULL,
	"watermark_id" bigint DEFAULT 0 NOT NULL,
	"spend_day" text NOT NULL,
	"spent_usd" double precision DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "online_scores" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"request_id" text NOT NULL,
	"service_id" uuid NOT NULL,
	"environment_id" uuid NOT NULL,
	"environment" text NOT NULL,
	"release_id" uuid,
	"release_number" integer,
	"suite_version_id" uuid NOT NULL,
	"score" real NOT NULL,
	"pass" boolean NOT NULL,
	"outcomes" jsonb NOT NULL,
	"cost_usd" double precision DEFAULT 0 NOT NULL,
	"budget_skipped" boolean DEFAULT false NOT NULL,
	"scored_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "smoke_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"service_id" uuid NOT NULL,
	"environment_id" uuid NOT NULL,
	"environment" text NOT NULL,
	"trigger" text NOT NULL,
	"key" text NOT NULL,
	"rollout_id" uuid,
	"requested_by" text,
	"status" text NOT NULL,
	"cases" integer DEFAULT 0 NOT NULL,
	"passed" integer DEFAULT 0 NOT NULL,
	"results" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"error" text,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "trigger_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"service_id" uuid NOT NULL,
	"environment_id" uuid NOT NULL,
	"environment" text NOT NULL,
	"rule_id" text NOT NULL,
	"source" text NOT NULL,
	"source_key" text NOT NULL,
	"release_number" integer,
	"summary" text NOT NULL,
	"rule" jsonb NOT NULL,
	"data" jsonb NOT NULL,
	"notify" jsonb NOT NULL,
	"webhook" jsonb NOT NULL,
	"pipeline_run_id" uuid,
	"pipeline_error" text,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "environments" ADD COLUMN "checks" jsonb;--> statement-breakpoint
ALTER TABLE "request_logs" ADD COLUMN "synthetic" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "drift_reports" ADD CONSTRAINT "drift_reports_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "drift_reports" ADD CONSTRAINT "drift_reports_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "drift_reports" ADD CONSTRAINT "drift_reports_release_id_releases_id_fk" FOREIGN KEY ("release_id") REFERENCES "public"."releases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "online_eval_state" ADD CONSTRAINT "online_eval_state_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "smoke_runs" ADD CONSTRAINT "smoke_runs_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "smoke_runs" ADD CONSTRAINT "smoke_runs_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trigger_events" ADD CONSTRAINT "trigger_events_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trigger_events" ADD CONSTRAINT "trigger_events_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "drift_reports_env_created_idx" ON "drift_reports" USING btree ("environment_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "online_scores_request_key" ON "online_scores" USING btree ("request_id");--> statement-breakpoint
CREATE INDEX "online_scores_env_at_idx" ON "online_scores" USING btree ("environment_id","at");--> statement-breakpoint
CREATE UNIQUE INDEX "smoke_runs_key" ON "smoke_runs" USING btree ("environment_id","key");--> statement-breakpoint
CREATE INDEX "smoke_runs_env_started_idx" ON "smoke_runs" USING btree ("environment_id","started_at");--> statement-breakpoint
CREATE UNIQUE INDEX "trigger_events_once_key" ON "trigger_events" USING btree ("environment_id","rule_id","source_key");--> statement-breakpoint
CREATE INDEX "trigger_events_env_at_idx" ON "trigger_events" USING btree ("environment_id","at");--> statement-breakpoint
CREATE INDEX "trigger_events_pending_idx" ON "trigger_events" USING btree ("at") WHERE ("trigger_events"."notify"->>'state') = 'pending' or ("trigger_events"."webhook"->>'state') = 'pending';