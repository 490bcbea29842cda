CREATE TABLE "alert_rules" (
	"environment_id" uuid PRIMARY KEY NOT NULL,
	"rules" jsonb NOT NULL,
	"updated_by" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "alerts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"service_id" uuid NOT NULL,
	"environment_id" uuid NOT NULL,
	"environment" text NOT NULL,
	"objective" text NOT NULL,
	"severity" text NOT NULL,
	"status" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone,
	"rule" jsonb NOT NULL,
	"objective_value" double precision NOT NULL,
	"budget" double precision NOT NULL,
	"peak_burn_rate" double precision NOT NULL,
	"peak_value" double precision,
	"peak_at" timestamp with time zone NOT NULL,
	"figures" jsonb NOT NULL,
	"last_evaluated_at" timestamp with time zone NOT NULL,
	"acknowledged_by" text,
	"acknowledged_at" timestamp with time zone,
	"fire_notice" text NOT NULL,
	"resolve_notice" text,
	"notice_attempts" integer DEFAULT 0 NOT NULL,
	"notice_error" text
);
--> statement-breakpoint
ALTER TABLE "alert_rules" ADD CONSTRAINT "alert_rules_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "alerts_one_firing_key" ON "alerts" USING btree ("environment_id","objective","severity") WHERE "alerts"."status" = 'firing';--> statement-breakpoint
CREATE INDEX "alerts_env_started_idx" ON "alerts" USING btree ("service_id","environment","started_at");--> statement-breakpoint
CREATE INDEX "alerts_started_idx" ON "alerts" USING btree ("started_at");