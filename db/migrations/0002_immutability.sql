-- Versions, releases and history rows are immutable at the database level: whatever path a change takes
-- (API, script, console), PostgreSQL refuses it. A model version may change its status only.
CREATE FUNCTION slipway_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% rows are immutable', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END;
$$;
--> statement-breakpoint
CREATE FUNCTION slipway_model_version_status_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (to_jsonb(NEW) - 'status' - 'status_changed_at') IS DISTINCT FROM (to_jsonb(OLD) - 'status' - 'status_changed_at') THEN
    RAISE EXCEPTION 'model_versions rows are immutable except for their status' USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER prompt_versions_immutable BEFORE UPDATE OR DELETE ON prompt_versions FOR EACH ROW EXECUTE FUNCTION slipway_refuse_change();
--> statement-breakpoint
CREATE TRIGGER releases_immutable BEFORE UPDATE OR DELETE ON releases FOR EACH ROW EXECUTE FUNCTION slipway_refuse_change();
--> statement-breakpoint
CREATE TRIGGER release_prompts_immutable BEFORE UPDATE OR DELETE ON release_prompts FOR EACH ROW EXECUTE FUNCTION slipway_refuse_change();
--> statement-breakpoint
CREATE TRIGGER environment_history_append_only BEFORE UPDATE OR DELETE ON environment_history FOR EACH ROW EXECUTE FUNCTION slipway_refuse_change();
--> statement-breakpoint
CREATE TRIGGER label_moves_append_only BEFORE UPDATE OR DELETE ON label_moves FOR EACH ROW EXECUTE FUNCTION slipway_refuse_change();
--> statement-breakpoint
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION slipway_refuse_change();
--> statement-breakpoint
CREATE TRIGGER model_versions_status_only BEFORE UPDATE ON model_versions FOR EACH ROW EXECUTE FUNCTION slipway_model_version_status_only();
--> statement-breakpoint
CREATE TRIGGER model_versions_no_delete BEFORE DELETE ON model_versions FOR EACH ROW EXECUTE FUNCTION slipway_refuse_change();
