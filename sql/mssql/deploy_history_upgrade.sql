-- mkdocs-schema-sync: brings a deploy history created before run_mode and statement_index
-- up to date (run by the first deploy that finds them missing; see sql/postgres/deploy_history_upgrade.sql).
SET ANSI_NULLS ON;
SET QUOTED_IDENTIFIER ON;
GO
IF COL_LENGTH(N'schema_sync.deploy_history', N'run_mode') IS NULL
    ALTER TABLE schema_sync.deploy_history ADD run_mode varchar(16) NULL, statement_index int NULL;
GO
