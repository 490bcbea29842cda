ALTER TABLE "eval_suite_versions" ALTER COLUMN "dataset_version_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "eval_results" ADD COLUMN "detail" jsonb;