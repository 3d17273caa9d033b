-- mkdocs-schema-sync: the deploy history for MySQL/MariaDB (same columns and meaning as
-- schema_sync.deploy_history on PostgreSQL, see sql/postgres/deploy_history.sql).
-- Created by the first deploy; idempotent. Never documented (tables named schema_sync_%).
-- MySQL commits every DDL statement: a file that fails half-way is recorded as
-- needs_repair with the statement that failed, and the next deploy waits for `repair`.
-- Statements end with `;` at the end of a line: the installer sends them one by one.
CREATE TABLE IF NOT EXISTS schema_sync_deploy_history (
    installed_rank   INT NOT NULL PRIMARY KEY,
    version          VARCHAR(50) NOT NULL,
    description      VARCHAR(200) NOT NULL,
    script           VARCHAR(255) NOT NULL,
    checksum         CHAR(64),
    applied_by       VARCHAR(128),
    applied_at       DATETIME(3) NOT NULL,
    duration_ms      INT NOT NULL DEFAULT 0,
    outcome          VARCHAR(16) NOT NULL,
    error_text       LONGTEXT,
    failed_statement LONGTEXT,
    allowed_breaking LONGTEXT,
    target           VARCHAR(64),
    deploy_id        VARCHAR(36) NOT NULL,
    content          LONGTEXT,
    run_mode         VARCHAR(16),
    statement_index  INT,
    CONSTRAINT schema_sync_deploy_history_outcome
        CHECK (outcome IN ('applied', 'failed', 'refused', 'needs_repair', 'baseline', 'repaired'))
) DEFAULT CHARSET = utf8mb4;
