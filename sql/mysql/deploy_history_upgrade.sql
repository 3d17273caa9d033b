-- mkdocs-schema-sync: brings a deploy history created before run_mode and statement_index
-- up to date (run by the first deploy that finds them missing; see sql/postgres/deploy_history_upgrade.sql).
ALTER TABLE schema_sync_deploy_history ADD COLUMN run_mode VARCHAR(16), ADD COLUMN statement_index INT;
