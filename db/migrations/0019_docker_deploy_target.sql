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
ALTER TABLE "environments" ADD COLUMN "runtime" jsonb DEFAULT '{"kind":"endpoints"}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "container_instances" ADD CONSTRAINT "container_instances_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "container_instances" ADD CONSTRAINT "container_instances_release_id_releases_id_fk" FOREIGN KEY ("release_id") REFERENCES "public"."releases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "container_instances" ADD CONSTRAINT "container_instances_model_version_id_model_versions_id_fk" FOREIGN KEY ("model_version_id") REFERENCES "public"."model_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "container_instances_live_port_key" ON "container_instances" USING btree ("host_port") WHERE "container_instances"."removed_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "container_instances_live_replica_key" ON "container_instances" USING btree ("environment_id","release_id","replica") WHERE "container_instances"."removed_at" is null;--> statement-breakpoint
CREATE INDEX "container_instances_env_idx" ON "container_instances" USING btree ("environment_id","removed_at");