-- mkdocs-schema-sync: the deploy history for PostgreSQL (schema schema_sync).
--
-- One row per file `mkdocs-schema-sync deploy` applied, refused or failed, and per
-- `baseline` and `repair`: modelled on Flyway's flyway_schema_history (rank, version,
-- checksum, who, when, how long, outcome) with Atlas's error record (error text and
-- the failing statement). Rows are only ever added: the newest row of a version is
-- its state. Created by the first deploy; idempotent.
--   outcome: applied | failed (rolled back) | refused (the contract gate) | needs_repair
--            (partly applied, or a deploy still running or killed there) | baseline | repaired
--   run_mode: transaction | no-transaction | per-statement; statement_index: the statement the
--            row stops at (see deploy_history_upgrade.sql, which adds both to older tables)
CREATE SCHEMA IF NOT EXISTS schema_sync;
CREATE TABLE IF NOT EXISTS schema_sync.deploy_history (
    installed_rank   integer PRIMARY KEY,
    version          varchar(50) NOT NULL,
    description      varchar(200) NOT NULL,
    script           varchar(255) NOT NULL,
    checksum         char(64),
    applied_by       varchar(128),
    applied_at       timestamp(3) NOT NULL,
    duration_ms      integer NOT NULL DEFAULT 0,
    outcome          varchar(16) NOT NULL
                     CHECK (outcome IN ('applied', 'failed', 'refused', 'needs_repair', 'baseline', 'repaired')),
    error_text       text,
    failed_statement text,
    allowed_breaking text,
    target           varchar(64),
    deploy_id        varchar(36) NOT NULL,
    content          text,
    run_mode         varchar(16),
    statement_index  integer
);
CREATE INDEX IF NOT EXISTS deploy_history_version_idx ON schema_sync.deploy_history (version, installed_rank);
REVOKE ALL ON schema_sync.deploy_history FROM PUBLIC;
GRANT SELECT ON schema_sync.deploy_history TO PUBLIC;
