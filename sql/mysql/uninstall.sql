-- mkdocs-schema-sync: stop polling into this database; the drift log is kept.
DROP TABLE IF EXISTS schema_sync_state;
