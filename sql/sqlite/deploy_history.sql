-- mkdocs-schema-sync: the deploy history for SQLite (same columns and meaning as
-- schema_sync.deploy_history on PostgreSQL, see sql/postgres/deploy_history.sql).
-- Created by the first deploy; idempotent. Never documented by the SQLite adapter.
CREATE TABLE IF NOT EXISTS schema_sync_deploy_history (
    installed_rank   INTEGER PRIMARY KEY,
    version          TEXT NOT NULL,
    description      TEXT NOT NULL,
    script           TEXT NOT NULL,
    checksum         TEXT,
    applied_by       TEXT,
    applied_at       TEXT NOT NULL,
    duration_ms      INTEGER NOT NULL DEFAULT 0,
    outcome          TEXT NOT NULL
                     CHECK (outcome IN ('applied', 'failed', 'refused', 'needs_repair', 'baseline', 'repaired')),
    error_text       TEXT,
    failed_statement TEXT,
    allowed_breaking TEXT,
    target           TEXT,
    deploy_id        TEXT NOT NULL,
    content          TEXT,
    run_mode         TEXT,
    statement_index  INTEGER
);
