ALTER TABLE "environment_history" ADD COLUMN "bypass_reason" text;--> statement-breakpoint
ALTER TABLE "rollouts" ADD COLUMN "kind" text DEFAULT 'rollout' NOT NULL;