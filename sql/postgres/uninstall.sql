-- mkdocs-schema-sync: remove the event triggers and everything of schema_sync but the log.
-- Kept: schema_sync.drift_log (the change history). Running install-triggers again restores the rest.
DROP EVENT TRIGGER IF EXISTS schema_sync_ddl_command_end;
DROP EVENT TRIGGER IF EXISTS schema_sync_sql_drop;
DROP FUNCTION IF EXISTS schema_sync.on_ddl_command_end();
DROP FUNCTION IF EXISTS schema_sync.on_sql_drop();
DROP FUNCTION IF EXISTS schema_sync.note_failure(text, text);
DROP FUNCTION IF EXISTS schema_sync.actor();
DROP FUNCTION IF EXISTS schema_sync.masked_query();
DROP FUNCTION IF EXISTS schema_sync.mask_statement(text);
DROP FUNCTION IF EXISTS schema_sync.log_source(text);
DROP FUNCTION IF EXISTS schema_sync.log_status(text);
DROP TABLE IF EXISTS schema_sync.install_info;
