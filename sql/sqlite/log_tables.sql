-- mkdocs-schema-sync: the drift log for SQLite (no DDL triggers: polling fills it).
-- Same columns and meaning as schema_sync.drift_log on PostgreSQL and SQL Server; times are UTC.
-- Idempotent. The SQLite adapter never documents these two tables.
CREATE TABLE IF NOT EXISTS schema_sync_drift_log (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    event_time        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    login_name        TEXT,
    event_type        TEXT,
    object_type       TEXT,
    schema_name       TEXT,
    object_name       TEXT,
    statement         TEXT,
    source            TEXT NOT NULL DEFAULT 'poll' CHECK (source IN ('trigger', 'poll', 'deploy')),
    sync_status       TEXT NOT NULL DEFAULT 'pending'
                      CHECK (sync_status IN ('pending', 'synced', 'ignored', 'deployed', 'refused')),
    status_changed_at TEXT,
    status_ref        TEXT
);
-- install info and poll state: version, mode, signal, catalog (the last polled catalog, canonical JSON)
CREATE TABLE IF NOT EXISTS schema_sync_state (
    name  TEXT PRIMARY KEY,
    value TEXT
);
INSERT OR REPLACE INTO schema_sync_state (name, value) VALUES ('mode', 'poll');
INSERT OR REPLACE INTO schema_sync_state (name, value) VALUES ('version', '1');
