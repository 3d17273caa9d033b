-- mkdocs-schema-sync: remove the DDL trigger and what only it needs, KEEP the history.
--
-- Dropped: the trigger schema_sync_ddl, the view schema_sync.contract_status,
-- the procedure schema_sync.note_trigger_error, the masking functions (schema_sync.mask_statement …)
-- and the user schema_sync_writer.
-- Kept: schema_sync.drift_log (the change history), schema_sync.contract_columns
-- and schema_sync.install_info (its `version` and `mode` rows are removed, so a health
-- check sees "not installed" and polling takes over again). Running install.sql again restores everything.
-- To drop everything, including the log, run uninstall_all.sql instead.

-- Objects keep the SET options they were created with (see install.sql): set them for this session.
SET ANSI_NULLS ON;
SET QUOTED_IDENTIFIER ON;
GO

-- The trigger first: it runs as schema_sync_writer, which cannot be dropped while it is in use.
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
IF OBJECT_ID(N'schema_sync.install_info', N'U') IS NOT NULL
    DELETE FROM schema_sync.install_info WHERE name IN ('version', 'mode');
GO
