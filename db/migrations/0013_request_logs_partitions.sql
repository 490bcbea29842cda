-- request_logs becomes partitioned by UTC day on "at", so retention drops whole days instead of deleting rows.
-- Rows outside every day partition land in request_logs_default (telemetry is never refused); making a day's
-- partition moves that day's rows out of the default one. Existing rows are copied; ids keep their sequence.
ALTER TABLE "request_logs" RENAME TO "request_logs_unpartitioned";--> statement-breakpoint
ALTER TABLE "request_logs_unpartitioned" RENAME CONSTRAINT "request_logs_pkey" TO "request_logs_unpartitioned_pkey";--> statement-breakpoint
ALTER INDEX "request_logs_env_at_idx" RENAME TO "request_logs_unpartitioned_env_at_idx";--> statement-breakpoint
ALTER INDEX "request_logs_request_idx" RENAME TO "request_logs_unpartitioned_request_idx";--> statement-breakpoint
CREATE TABLE "request_logs" (
	"id" bigint DEFAULT nextval('request_logs_id_seq'::regclass) NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"request_id" text NOT NULL,
	"service_id" uuid NOT NULL,
	"environment" text NOT NULL,
	"release_id" uuid,
	"release_number" integer,
	"model_version_id" uuid,
	"prompt_version_id" uuid,
	"key_id" uuid,
	"shadow" boolean DEFAULT false NOT NULL,
	"fallback" boolean DEFAULT false NOT NULL,
	"stream" boolean DEFAULT false NOT NULL,
	"status" integer NOT NULL,
	"error_class" text,
	"latency_ms" real NOT NULL,
	"ttft_ms" real,
	"input_tokens" integer DEFAULT 0 NOT NULL,
	"output_tokens" integer DEFAULT 0 NOT NULL,
	"cost_usd" double precision DEFAULT 0 NOT NULL,
	"sticky_hash" text,
	"features" jsonb NOT NULL,
	"sample" jsonb,
	CONSTRAINT "request_logs_pkey" PRIMARY KEY("id","at")
) PARTITION BY RANGE ("at");--> statement-breakpoint
ALTER SEQUENCE "request_logs_id_seq" OWNED BY "request_logs"."id";--> statement-breakpoint
CREATE INDEX "request_logs_env_at_idx" ON "request_logs" USING btree ("service_id","environment","at");--> statement-breakpoint
CREATE INDEX "request_logs_request_idx" ON "request_logs" USING btree ("request_id");--> statement-breakpoint
CREATE TABLE "request_logs_default" PARTITION OF "request_logs" DEFAULT;--> statement-breakpoint
-- Makes the partition of one UTC day (request_logs_pYYYYMMDD) unless it exists, moving that day's rows out of the
-- default partition first; true when it made one. The monitoring cron calls it for the days ahead.
CREATE FUNCTION slipway_request_logs_partition(day date) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  part text := 'request_logs_p' || to_char(day, 'YYYYMMDD');
  lo timestamptz := day::timestamp AT TIME ZONE 'UTC';
  hi timestamptz := (day + 1)::timestamp AT TIME ZONE 'UTC';
BEGIN
  IF to_regclass(part) IS NOT NULL THEN
    RETURN false;
  END IF;
  EXECUTE format('CREATE TABLE %I (LIKE request_logs INCLUDING DEFAULTS)', part);
  EXECUTE format('WITH moved AS (DELETE FROM request_logs_default WHERE at >= %L AND at < %L RETURNING *) INSERT INTO %I SELECT * FROM moved', lo, hi, part);
  EXECUTE format('ALTER TABLE request_logs ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
  RETURN true;
END
$$;--> statement-breakpoint
SELECT slipway_request_logs_partition(d::date)
FROM (
  SELECT DISTINCT (("at" AT TIME ZONE 'UTC')::date) AS d FROM "request_logs_unpartitioned"
  UNION
  SELECT ((now() AT TIME ZONE 'UTC')::date + n) FROM generate_series(-1, 3) AS n
) AS days
ORDER BY d;--> statement-breakpoint
INSERT INTO "request_logs" SELECT * FROM "request_logs_unpartitioned";--> statement-breakpoint
DROP TABLE "request_logs_unpartitioned";
--> statement-breakpoint
-- The rollup job notes the newest request_logs id it has seen, to find rows that arrived late.
ALTER TABLE "monitoring_watermarks" ADD COLUMN "last_id" bigint;