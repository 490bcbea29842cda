CREATE TABLE "dataset_cases" (
	"dataset_version_id" uuid NOT NULL,
	"index" integer NOT NULL,
	"case_key" text NOT NULL,
	"external_id" text,
	"input" jsonb NOT NULL,
	"expected" text,
	"tags" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	CONSTRAINT "dataset_cases_dataset_version_id_index_pk" PRIMARY KEY("dataset_version_id","index")
);
--> statement-breakpoint
CREATE TABLE "dataset_versions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"dataset_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"content_hash" text NOT NULL,
	"case_count" integer NOT NULL,
	"source" text NOT NULL,
	"file_name" text,
	"commit_message" text DEFAULT '' NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "dataset_versions_version_positive" CHECK ("dataset_versions"."version" > 0)
);
--> statement-breakpoint
CREATE TABLE "datasets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"service_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "eval_cache" (
	"key" text PRIMARY KEY NOT NULL,
	"model_version_id" uuid NOT NULL,
	"response" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "eval_results" (
	"run_id" uuid NOT NULL,
	"case_index" integer NOT NULL,
	"arm" text NOT NULL,
	"cell" text DEFAULT '' NOT NULL,
	"output" text,
	"finish_reason" text,
	"latency_ms" double precision,
	"input_tokens" integer,
	"output_tokens" integer,
	"cost_usd" double precision DEFAULT 0 NOT NULL,
	"cached" boolean DEFAULT false NOT NULL,
	"error" text,
	"assertions" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"score" double precision NOT NULL,
	"pass" boolean NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "eval_results_run_id_cell_case_index_arm_pk" PRIMARY KEY("run_id","cell","case_index","arm")
);
--> statement-breakpoint
CREATE TABLE "eval_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"service_id" uuid NOT NULL,
	"number" integer NOT NULL,
	"kind" text DEFAULT 'eval' NOT NULL,
	"suite_version_id" uuid NOT NULL,
	"release_id" uuid NOT NULL,
	"baseline_release_id" uuid,
	"environment_id" uuid,
	"pipeline_run_id" uuid,
	"status" text DEFAULT 'queued' NOT NULL,
	"estimate" jsonb NOT NULL,
	"budget_usd" numeric(12, 6),
	"total_calls" integer DEFAULT 0 NOT NULL,
	"done_calls" integer DEFAULT 0 NOT NULL,
	"cache_hits" integer DEFAULT 0 NOT NULL,
	"cost_usd" double precision DEFAULT 0 NOT NULL,
	"summary" jsonb,
	"error" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "eval_suite_versions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"suite_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"content_hash" text NOT NULL,
	"yaml" text NOT NULL,
	"spec" jsonb NOT NULL,
	"dataset_version_id" uuid NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "eval_suites" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"service_id" uuid NOT NULL,
	"name" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gate_overrides" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"release_id" uuid NOT NULL,
	"environment_id" uuid NOT NULL,
	"gate" text NOT NULL,
	"reason" text NOT NULL,
	"actor_label" text NOT NULL,
	"user_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gate_results" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"release_id" uuid NOT NULL,
	"environment_id" uuid NOT NULL,
	"gate" text NOT NULL,
	"baseline_release_id" uuid,
	"suite_version_id" uuid,
	"run_id" uuid,
	"passed" boolean NOT NULL,
	"score" double precision,
	"baseline_score" double precision,
	"p_value" double precision,
	"reasons" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "dataset_cases" ADD CONSTRAINT "dataset_cases_dataset_version_id_dataset_versions_id_fk" FOREIGN KEY ("dataset_version_id") REFERENCES "public"."dataset_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dataset_versions" ADD CONSTRAINT "dataset_versions_dataset_id_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "public"."datasets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "datasets" ADD CONSTRAINT "datasets_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "eval_results" ADD CONSTRAINT "eval_results_run_id_eval_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."eval_runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "eval_runs" ADD CONSTRAINT "eval_runs_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "eval_runs" ADD CONSTRAINT "eval_runs_suite_version_id_eval_suite_versions_id_fk" FOREIGN KEY ("suite_version_id") REFERENCES "public"."eval_suite_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "eval_runs" ADD CONSTRAINT "eval_runs_release_id_releases_id_fk" FOREIGN KEY ("release_id") REFERENCES "public"."releases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "eval_runs" ADD CONSTRAINT "eval_runs_baseline_release_id_releases_id_fk" FOREIGN KEY ("baseline_release_id") REFERENCES "public"."releases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "eval_runs" ADD CONSTRAINT "eval_runs_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "eval_suite_versions" ADD CONSTRAINT "eval_suite_versions_suite_id_eval_suites_id_fk" FOREIGN KEY ("suite_id") REFERENCES "public"."eval_suites"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "eval_suite_versions" ADD CONSTRAINT "eval_suite_versions_dataset_version_id_dataset_versions_id_fk" FOREIGN KEY ("dataset_version_id") REFERENCES "public"."dataset_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "eval_suites" ADD CONSTRAINT "eval_suites_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gate_overrides" ADD CONSTRAINT "gate_overrides_release_id_releases_id_fk" FOREIGN KEY ("release_id") REFERENCES "public"."releases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gate_overrides" ADD CONSTRAINT "gate_overrides_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gate_results" ADD CONSTRAINT "gate_results_release_id_releases_id_fk" FOREIGN KEY ("release_id") REFERENCES "public"."releases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gate_results" ADD CONSTRAINT "gate_results_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gate_results" ADD CONSTRAINT "gate_results_baseline_release_id_releases_id_fk" FOREIGN KEY ("baseline_release_id") REFERENCES "public"."releases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gate_results" ADD CONSTRAINT "gate_results_suite_version_id_eval_suite_versions_id_fk" FOREIGN KEY ("suite_version_id") REFERENCES "public"."eval_suite_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gate_results" ADD CONSTRAINT "gate_results_run_id_eval_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."eval_runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "dataset_cases_key_idx" ON "dataset_cases" USING btree ("case_key");--> statement-breakpoint
CREATE UNIQUE INDEX "dataset_versions_dataset_version_key" ON "dataset_versions" USING btree ("dataset_id","version");--> statement-breakpoint
CREATE UNIQUE INDEX "dataset_versions_dataset_hash_key" ON "dataset_versions" USING btree ("dataset_id","content_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "datasets_service_name_key" ON "datasets" USING btree ("service_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "eval_runs_service_number_key" ON "eval_runs" USING btree ("service_id","number");--> statement-breakpoint
CREATE INDEX "eval_runs_release_idx" ON "eval_runs" USING btree ("release_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "eval_suite_versions_suite_version_key" ON "eval_suite_versions" USING btree ("suite_id","version");--> statement-breakpoint
CREATE UNIQUE INDEX "eval_suite_versions_suite_hash_key" ON "eval_suite_versions" USING btree ("suite_id","content_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "eval_suites_service_name_key" ON "eval_suites" USING btree ("service_id","name");--> statement-breakpoint
CREATE INDEX "gate_overrides_release_env_idx" ON "gate_overrides" USING btree ("release_id","environment_id","gate");--> statement-breakpoint
CREATE INDEX "gate_results_release_env_idx" ON "gate_results" USING btree ("release_id","environment_id","gate","created_at");