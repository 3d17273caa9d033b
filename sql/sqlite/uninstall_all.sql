-- mkdocs-schema-sync: remove the drift log and the poll state.
DROP TABLE IF EXISTS schema_sync_state;
DROP TABLE IF EXISTS schema_sync_drift_log;
