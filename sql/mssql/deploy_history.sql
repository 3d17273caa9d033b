-- mkdocs-schema-sync: the deploy history for SQL Server / Azure SQL Database (same
-- columns and meaning as schema_sync.deploy_history on PostgreSQL, see
-- sql/postgres/deploy_history.sql). Created by the first deploy; idempotent.

-- Objects keep the SET options they were created with (see install.sql): set them for this session.
SET ANSI_NULLS ON;
SET QUOTED_IDENTIFIER ON;
GO
IF SCHEMA_ID(N'schema_sync') IS NULL
    EXEC (N'CREATE SCHEMA schema_sync');
GO
IF OBJECT_ID(N'schema_sync.deploy_history', N'U') IS NULL
CREATE TABLE schema_sync.deploy_history (
    installed_rank   int NOT NULL PRIMARY KEY,
    version          nvarchar(50) NOT NULL,
    description      nvarchar(200) NOT NULL,
    script           nvarchar(255) NOT NULL,
    checksum         char(64) NULL,
    applied_by       nvarchar(128) NULL,
    applied_at       datetime2(3) NOT NULL,
    duration_ms      int NOT NULL DEFAULT 0,
    outcome          varchar(16) NOT NULL
        CONSTRAINT ck_deploy_history_outcome
        CHECK (outcome IN ('applied', 'failed', 'refused', 'needs_repair', 'baseline', 'repaired')),
    error_text       nvarchar(max) NULL,
    failed_statement nvarchar(max) NULL,
    allowed_breaking nvarchar(max) NULL,
    target           nvarchar(64) NULL,
    deploy_id        varchar(36) NOT NULL,
    content          nvarchar(max) NULL,
    run_mode         varchar(16) NULL,
    statement_index  int NULL
);
GO
