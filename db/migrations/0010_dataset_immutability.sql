-- Dataset versions and their cases are immutable at the database level, like prompt versions: a change of
-- cases is a new version, whatever path a change takes (API, script, console).
CREATE TRIGGER dataset_versions_immutable BEFORE UPDATE OR DELETE ON dataset_versions FOR EACH ROW EXECUTE FUNCTION slipway_refuse_change();
--> statement-breakpoint
CREATE TRIGGER dataset_cases_immutable BEFORE UPDATE OR DELETE ON dataset_cases FOR EACH ROW EXECUTE FUNCTION slipway_refuse_change();
