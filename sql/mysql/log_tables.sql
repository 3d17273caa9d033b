-- mkdocs-schema-sync: the drift log for MySQL/MariaDB (no DDL triggers: polling fills it).
-- Same columns and meaning as schema_sync.drift_log on PostgreSQL and SQL Server; times are UTC.
-- Idempotent. The MySQL adapter never documents tables named schema_sync_%.
-- Statements end with `;` at the end of a line: the installer sends them one by one.
CREATE TABLE IF NOT EXISTS schema_sync_drift_log (
    id                BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    event_time        DATETIME(3) NOT NULL,
    login_name        VARCHAR(256),
    event_type        VARCHAR(64),
    object_type       VARCHAR(64),
    schema_name       VARCHAR(256),
    object_name       VARCHAR(256),
    statement         LONGTEXT,
    source            VARCHAR(16) NOT NULL DEFAULT 'poll',
    sync_status       VARCHAR(16) NOT NULL DEFAULT 'pending',
    status_changed_at DATETIME(3),
    status_ref        VARCHAR(512),
    CONSTRAINT schema_sync_drift_log_source CHECK (source IN ('trigger', 'poll', 'deploy')),
    CONSTRAINT schema_sync_drift_log_status
        CHECK (sync_status IN ('pending', 'synced', 'ignored', 'deployed', 'refused'))
) DEFAULT CHARSET = utf8mb4;
CREATE TABLE IF NOT EXISTS schema_sync_state (
    name  VARCHAR(64) NOT NULL PRIMARY KEY,
    value LONGTEXT
) DEFAULT CHARSET = utf8mb4;
REPLACE INTO schema_sync_state (name, value) VALUES ('mode', 'poll');
REPLACE INTO schema_sync_state (name, value) VALUES ('version', '1');
