-- mkdocs-schema-sync: brings a deploy history created before run_mode and statement_index
-- up to date (run by the first deploy that finds them missing; idempotent).
--   run_mode:        transaction (the file, the gate and its row in one transaction) |
--                    no-transaction (`-- schema-sync: no-transaction`: statement by statement, autocommit) |
--                    per-statement (MySQL/MariaDB: DDL commits as it runs)
--   statement_index: the statement a row stops at (1-based): the one that failed or was running;
--                    on an `applied` row the file's number of statements
ALTER TABLE schema_sync.deploy_history
    ADD COLUMN IF NOT EXISTS run_mode varchar(16),
    ADD COLUMN IF NOT EXISTS statement_index integer;
