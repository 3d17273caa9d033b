-- mkdocs-schema-sync: remove the event triggers and the schema schema_sync, log included.
DROP EVENT TRIGGER IF EXISTS schema_sync_ddl_command_end;
DROP EVENT TRIGGER IF EXISTS schema_sync_sql_drop;
DROP SCHEMA IF EXISTS schema_sync CASCADE;
