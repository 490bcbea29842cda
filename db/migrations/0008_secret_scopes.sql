CREATE TABLE "secret_grants" (
	"secret_id" uuid NOT NULL,
	"origin" text NOT NULL,
	"granted_by" text NOT NULL,
	"bound_to" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "secret_grants_secret_id_origin_pk" PRIMARY KEY("secret_id","origin")
);
--> statement-breakpoint
ALTER TABLE "secrets" ADD COLUMN "purposes" jsonb;--> statement-breakpoint
ALTER TABLE "secrets" ADD COLUMN "services" jsonb;--> statement-breakpoint
ALTER TABLE "secrets" ADD COLUMN "origin" text;--> statement-breakpoint
ALTER TABLE "secrets" ADD COLUMN "updated_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "secret_grants" ADD CONSTRAINT "secret_grants_secret_id_secrets_id_fk" FOREIGN KEY ("secret_id") REFERENCES "public"."secrets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
-- Purposes from the old kind: a provider_api_key was also the documented kind for repository access tokens.
UPDATE "secrets" SET "purposes" = CASE "kind"
	WHEN 'provider_api_key' THEN '["provider_key","repository_token"]'::jsonb
	WHEN 'webhook_secret' THEN '["webhook_signing"]'::jsonb
	ELSE '["notifications"]'::jsonb END;--> statement-breakpoint
ALTER TABLE "secrets" ALTER COLUMN "purposes" SET NOT NULL;--> statement-breakpoint
-- Every service may keep using every secret, and each URL a secret is already bound to stays allowed.
INSERT INTO "secret_grants" ("secret_id", "origin", "granted_by", "bound_to")
SELECT DISTINCT "api_key_secret_id", lower(substring("base_url" from '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]+')), 'migration', 'a model version'
FROM "model_versions" WHERE "api_key_secret_id" IS NOT NULL AND "base_url" ~ '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]+'
ON CONFLICT DO NOTHING;--> statement-breakpoint
INSERT INTO "secret_grants" ("secret_id", "origin", "granted_by", "bound_to")
SELECT DISTINCT "token_secret_id", lower(substring("url" from '^https://[^/?#]+')), 'migration', 'a repository'
FROM "service_repositories" WHERE "token_secret_id" IS NOT NULL AND "url" LIKE 'https://%'
ON CONFLICT DO NOTHING;--> statement-breakpoint
INSERT INTO "secret_grants" ("secret_id", "origin", "granted_by", "bound_to")
SELECT DISTINCT s."id", lower(substring(step->'inputs'->>'url' from '^[A-Za-z]+://[^/?#]+')), 'migration', 'a pipeline webhook step'
FROM "pipeline_definitions" d
CROSS JOIN LATERAL jsonb_array_elements(d."definition"->'stages') stage
CROSS JOIN LATERAL jsonb_array_elements(stage->'steps') step
JOIN "secrets" s ON s."name" = step->'inputs'->>'secret'
WHERE step->>'type' = 'webhook' AND step->'inputs'->>'url' ~ '^[A-Za-z]+://[^/?#]+'
ON CONFLICT DO NOTHING;--> statement-breakpoint
ALTER TABLE "secrets" DROP COLUMN "kind";
