-- mkdocs-schema-sync: the drift log tables for SQL Server / Azure SQL Database (schema schema_sync),
-- all that fingerprint polling needs where the DDL trigger is not installed.
--
-- Run by polling (`mkdocs-schema-sync monitor`, a build, `snapshot`) the first time it records
-- into a database without `install-triggers`; the connecting user then needs CREATE SCHEMA and
-- CREATE TABLE (or db_owner). A DBA can run it instead (sqlcmd -i log_tables.sql).
-- The same batches, word for word, are part of install.sql (a test keeps them so): installing
-- the trigger later keeps the log and what polling recorded.
-- Idempotent: every object is created only when missing. GO lines separate batches; the
-- installer splits on them client-side.

-- Objects keep the SET options they were created with (see install.sql): set them for this session.
SET ANSI_NULLS ON;
SET QUOTED_IDENTIFIER ON;
GO

IF SCHEMA_ID(N'schema_sync') IS NULL
    EXEC (N'CREATE SCHEMA schema_sync AUTHORIZATION dbo');  -- CREATE SCHEMA must be alone in its batch
GO

-- ------------------------------------------------------------------ drift log
IF OBJECT_ID(N'schema_sync.drift_log', N'U') IS NULL
    CREATE TABLE schema_sync.drift_log (
        id                bigint IDENTITY(1, 1) NOT NULL
                          CONSTRAINT PK_schema_sync_drift_log PRIMARY KEY,
        event_time        datetime2(3)  NOT NULL
                          CONSTRAINT DF_schema_sync_drift_log_event_time DEFAULT SYSUTCDATETIME(),
        login_name        nvarchar(256) NULL,
        event_type        nvarchar(64)  NULL,
        object_type       nvarchar(64)  NULL,
        schema_name       nvarchar(256) NULL,
        object_name       nvarchar(256) NULL,
        statement         nvarchar(max) NULL,
        source            varchar(16)   NOT NULL  -- trigger | poll | deploy
                          CONSTRAINT DF_schema_sync_drift_log_source DEFAULT 'trigger',
        sync_status       varchar(16)   NOT NULL
                          CONSTRAINT DF_schema_sync_drift_log_sync_status DEFAULT 'pending',
        status_changed_at datetime2(3)  NULL,
        status_ref        nvarchar(512) NULL
    );
GO

-- Upgrade in place: columns that later versions added to drift_log.
IF COL_LENGTH(N'schema_sync.drift_log', N'sync_status') IS NULL
    ALTER TABLE schema_sync.drift_log
        ADD sync_status varchar(16) NOT NULL
            CONSTRAINT DF_schema_sync_drift_log_sync_status DEFAULT 'pending' WITH VALUES;
IF COL_LENGTH(N'schema_sync.drift_log', N'status_changed_at') IS NULL
    ALTER TABLE schema_sync.drift_log ADD status_changed_at datetime2(3) NULL;
IF COL_LENGTH(N'schema_sync.drift_log', N'status_ref') IS NULL
    ALTER TABLE schema_sync.drift_log ADD status_ref nvarchar(512) NULL;
GO

-- The status check is (re)created whenever its list lacks a status this version knows.
IF NOT EXISTS (
    SELECT 1 FROM sys.check_constraints
    WHERE name = N'CK_schema_sync_drift_log_sync_status'
      AND parent_object_id = OBJECT_ID(N'schema_sync.drift_log')
      AND definition LIKE N'%''refused''%'
)
BEGIN
    IF OBJECT_ID(N'schema_sync.CK_schema_sync_drift_log_sync_status', N'C') IS NOT NULL
        ALTER TABLE schema_sync.drift_log DROP CONSTRAINT CK_schema_sync_drift_log_sync_status;
    ALTER TABLE schema_sync.drift_log
        ADD CONSTRAINT CK_schema_sync_drift_log_sync_status
        CHECK (sync_status IN ('pending', 'synced', 'ignored', 'deployed', 'refused'));
END
GO

IF NOT EXISTS (
    SELECT 1 FROM sys.indexes
    WHERE object_id = OBJECT_ID(N'schema_sync.drift_log') AND name = N'IX_schema_sync_drift_log_status'
)
    CREATE INDEX IX_schema_sync_drift_log_status ON schema_sync.drift_log (sync_status, id);
GO

-- ------------------------------------------------------------------ install info and poll state
--   mode     'poll' (written by the poller) | 'triggers' (written by install.sql)
--   version  the install's version
--   signal, catalog  the last change signal and catalog polling saw (catalog: canonical JSON)
-- Also the poll state when polling fills the log: value holds the last polled catalog (JSON).
IF OBJECT_ID(N'schema_sync.install_info', N'U') IS NULL
    CREATE TABLE schema_sync.install_info (
        name  varchar(64)   NOT NULL CONSTRAINT PK_schema_sync_install_info PRIMARY KEY,
        value nvarchar(max) NULL
    );
GO

-- Upgrade in place: version 1 created value as nvarchar(256), too small for the polled catalog.
IF EXISTS (
    SELECT 1 FROM sys.columns
    WHERE object_id = OBJECT_ID(N'schema_sync.install_info') AND name = N'value' AND max_length <> -1
)
    ALTER TABLE schema_sync.install_info ALTER COLUMN value nvarchar(max) NULL;
GO
