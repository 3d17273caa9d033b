-- mkdocs-schema-sync: remove EVERYTHING, including the drift log (the change history).
-- This cannot be undone. To keep the log, run uninstall.sql instead.

-- Objects keep the SET options they were created with (see install.sql): set them for this session.
SET ANSI_NULLS ON;
SET QUOTED_IDENTIFIER ON;
GO

DROP TRIGGER IF EXISTS schema_sync_ddl ON DATABASE;
GO
DROP VIEW IF EXISTS schema_sync.contract_status;
DROP PROCEDURE IF EXISTS schema_sync.note_trigger_error;
DROP FUNCTION IF EXISTS schema_sync.mask_statement;
DROP FUNCTION IF EXISTS schema_sync.names_secret;
DROP FUNCTION IF EXISTS schema_sync.secret_arguments;
DROP FUNCTION IF EXISTS schema_sync.calls_secret;
GO
IF DATABASE_PRINCIPAL_ID(N'schema_sync_writer') IS NOT NULL
    DROP USER schema_sync_writer;
GO
DROP TABLE IF EXISTS schema_sync.contract_columns;
DROP TABLE IF EXISTS schema_sync.install_info;
DROP TABLE IF EXISTS schema_sync.drift_log;
GO
-- Only when nothing else was put in the schema (DROP SCHEMA fails on a non-empty schema).
IF SCHEMA_ID(N'schema_sync') IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM sys.objects WHERE schema_id = SCHEMA_ID(N'schema_sync'))
    EXEC (N'DROP SCHEMA schema_sync');
GO
