-- mkdocs-schema-sync: remove the event triggers and everything of schema_sync, log included.
-- Kept: schema_sync.deploy_history (written by `mkdocs-schema-sync deploy`). It is not drift
-- capture, and without it the next deploy would run every migration file again. The schema
-- itself goes when nothing else is in it.
DROP EVENT TRIGGER IF EXISTS schema_sync_ddl_command_end;
DROP EVENT TRIGGER IF EXISTS schema_sync_sql_drop;
DO $uninstall$
DECLARE
    name text;
BEGIN
    IF to_regnamespace('schema_sync') IS NULL THEN
        RETURN;
    END IF;
    IF to_regclass('schema_sync.deploy_history') IS NULL THEN
        DROP SCHEMA schema_sync CASCADE;
        RETURN;
    END IF;
    -- Names are read first (a CASCADE may take later ones with it; IF EXISTS then skips them).
    FOREACH name IN ARRAY ARRAY(
        SELECT e.extname::text FROM pg_extension AS e WHERE e.extnamespace = 'schema_sync'::regnamespace
    ) LOOP
        EXECUTE format('DROP EXTENSION IF EXISTS %I CASCADE', name);  -- dblink, for refusals (contracts)
    END LOOP;
    FOREACH name IN ARRAY ARRAY(
        SELECT p.oid::regprocedure::text FROM pg_proc AS p WHERE p.pronamespace = 'schema_sync'::regnamespace
    ) LOOP
        EXECUTE format('DROP FUNCTION IF EXISTS %s CASCADE', name);  -- event triggers on them go too
    END LOOP;
    FOREACH name IN ARRAY ARRAY(
        SELECT c.relname::text FROM pg_class AS c
         WHERE c.relnamespace = 'schema_sync'::regnamespace AND c.relkind = 'v'
    ) LOOP
        EXECUTE format('DROP VIEW IF EXISTS schema_sync.%I CASCADE', name);
    END LOOP;
    FOREACH name IN ARRAY ARRAY(
        SELECT c.relname::text FROM pg_class AS c
         WHERE c.relnamespace = 'schema_sync'::regnamespace AND c.relkind IN ('r', 'p')
           AND c.relname <> 'deploy_history'
    ) LOOP
        EXECUTE format('DROP TABLE IF EXISTS schema_sync.%I CASCADE', name);
    END LOOP;
END
$uninstall$;
