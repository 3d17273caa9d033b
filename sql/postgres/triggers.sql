-- mkdocs-schema-sync: event triggers for PostgreSQL 11+ (run after log_tables.sql).
--
-- Run by `mkdocs-schema-sync install-triggers` (or by a DBA: `install-triggers --print`).
-- Needs a superuser: only superusers can create event triggers. Event triggers
-- are per database: install in every database you document.
--
-- Idempotent: CREATE ... IF NOT EXISTS / CREATE OR REPLACE, and the event
-- triggers are dropped and recreated, so running it again upgrades an install
-- in place and keeps the log. Runs in one transaction (the installer's).
--
-- Failure policy (fail open, the default): when writing the log fails, the DDL
-- still goes through. A drift log must not become an outage: a full disk, a
-- lost grant or a bug here would otherwise block every deployment. The trigger
-- raises a WARNING and records the error in install_info.last_error, which
-- `mkdocs-schema-sync health` reports. To refuse DDL that cannot be logged
-- instead, set install_info.on_log_failure to 'block'.

-- ------------------------------------------------------------------ helpers
-- schema_sync.mask_statement(text) and masked_query() are created by log_tables.sql.

-- Who ran the DDL: the session's login, and the role it SET ROLE to, if any.
-- (Inside SECURITY DEFINER current_user is the function's owner; the `role`
-- setting still holds what the session switched to.)
CREATE OR REPLACE FUNCTION schema_sync.actor()
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT CASE
        WHEN coalesce(current_setting('role', true), 'none') IN ('none', '') OR current_setting('role', true) = session_user::text
        THEN session_user::text
        ELSE session_user::text || ' (as ' || current_setting('role', true) || ')'
    END
$fn$;

CREATE OR REPLACE FUNCTION schema_sync.note_failure(event text, err text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    RAISE WARNING 'schema-sync: the drift log could not record % (%); the change went through', event, err;
    BEGIN
        UPDATE schema_sync.install_info
           SET value = to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') || ' ' || event || ': ' || left(err, 400)
         WHERE name = 'last_error';
    EXCEPTION WHEN OTHERS THEN
        NULL;  -- the health flag is best effort
    END;
    IF (SELECT value FROM schema_sync.install_info WHERE name = 'on_log_failure') = 'block' THEN
        RAISE EXCEPTION 'schema-sync: % refused: the drift log could not record it (%)', event, err;
    END IF;
END
$fn$;

-- A deploy's own DDL (`mkdocs-schema-sync deploy` sets schema_sync.deploy_id for its session) is
-- logged as source 'deploy', sync_status 'deployed', status_ref the deploy id: `monitor` never
-- sends it back as drift. Anyone may set that session setting; the deploy history
-- (schema_sync.deploy_history) says which deploy ids are real.
CREATE OR REPLACE FUNCTION schema_sync.log_source(deploy_id text)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $fn$ SELECT CASE WHEN deploy_id IS NULL THEN 'trigger' ELSE 'deploy' END $fn$;

CREATE OR REPLACE FUNCTION schema_sync.log_status(deploy_id text)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $fn$ SELECT CASE WHEN deploy_id IS NULL THEN 'pending' ELSE 'deployed' END $fn$;

-- ------------------------------------------------------------------ trigger functions
-- SECURITY DEFINER with a fixed search_path: an ordinary role's DDL writes the
-- log with the owner's (the installing superuser's) rights, and no object in
-- the user's search_path can hijack the functions called here.
CREATE OR REPLACE FUNCTION schema_sync.on_ddl_command_end()
RETURNS event_trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    stmt text := schema_sync.masked_query();
    who  text := schema_sync.actor();
    -- set by `mkdocs-schema-sync deploy` for its session: its changes are deployed, not drift
    dep  text := nullif(current_setting('schema_sync.deploy_id', true), '');
BEGIN
    BEGIN
        -- Objects are named as the catalog names them: without their schema (`orders`,
        -- `f(integer)`), a trigger as `name on table` in its table's schema.
        INSERT INTO schema_sync.drift_log (login_name, event_type, object_type, schema_name, object_name, statement,
                                           source, sync_status, status_changed_at, status_ref)
        SELECT who, c.command_tag, c.object_type,
               CASE WHEN c.object_type = 'trigger'
                    THEN (SELECT n.nspname FROM pg_trigger AS t JOIN pg_class AS r ON r.oid = t.tgrelid
                          JOIN pg_namespace AS n ON n.oid = r.relnamespace WHERE t.oid = c.objid)
                    ELSE c.schema_name END,
               CASE WHEN c.object_type = 'trigger'
                    THEN (SELECT t.tgname || ' on ' || r.relname FROM pg_trigger AS t
                          JOIN pg_class AS r ON r.oid = t.tgrelid WHERE t.oid = c.objid)
                    WHEN c.schema_name IS NOT NULL AND c.object_type <> 'schema'
                         AND left(c.object_identity, length(quote_ident(c.schema_name)) + 1) = quote_ident(c.schema_name) || '.'
                    THEN substr(c.object_identity, length(quote_ident(c.schema_name)) + 2)
                    ELSE c.object_identity END,
               stmt, schema_sync.log_source(dep), schema_sync.log_status(dep),
               CASE WHEN dep IS NOT NULL THEN clock_timestamp() AT TIME ZONE 'UTC' END, dep
          FROM pg_event_trigger_ddl_commands() AS c
         WHERE NOT c.in_extension
           AND coalesce(c.schema_name, '') <> 'schema_sync'
           AND NOT (c.object_type = 'schema' AND c.object_identity = 'schema_sync')
           -- GRANT/REVOKE change permissions, not the schema (and name no object here)
           AND c.command_tag NOT IN ('GRANT', 'REVOKE')
           -- one row per command: CREATE TABLE's implicit sequence, index and ALTER SEQUENCE are part of it;
           -- tables and views a CREATE SCHEMA ... CREATE TABLE makes are kept
           AND (c.command_tag = tg_tag OR c.object_type IN ('table', 'view', 'materialized view'));
    EXCEPTION WHEN OTHERS THEN
        PERFORM schema_sync.note_failure(tg_tag, SQLERRM);
    END;
END
$fn$;

CREATE OR REPLACE FUNCTION schema_sync.on_sql_drop()
RETURNS event_trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    stmt text := schema_sync.masked_query();
    who  text := schema_sync.actor();
    -- set by `mkdocs-schema-sync deploy` for its session: its changes are deployed, not drift
    dep  text := nullif(current_setting('schema_sync.deploy_id', true), '');
BEGIN
    -- ALTER TABLE ... DROP COLUMN also fires sql_drop; ddl_command_end logs the ALTER.
    IF tg_tag NOT LIKE 'DROP %' THEN
        RETURN;
    END IF;
    BEGIN
        -- Named as on_ddl_command_end names them (the dropped trigger's names come from its address).
        INSERT INTO schema_sync.drift_log (login_name, event_type, object_type, schema_name, object_name, statement,
                                           source, sync_status, status_changed_at, status_ref)
        SELECT who, tg_tag, d.object_type, d.schema_name,
               CASE WHEN d.object_type = 'trigger' AND cardinality(d.address_names) = 3
                    THEN d.address_names[3] || ' on ' || d.address_names[2]
                    WHEN d.object_name IS NOT NULL THEN d.object_name
                    WHEN d.schema_name IS NOT NULL
                         AND left(d.object_identity, length(quote_ident(d.schema_name)) + 1) = quote_ident(d.schema_name) || '.'
                    THEN substr(d.object_identity, length(quote_ident(d.schema_name)) + 2)
                    ELSE d.object_identity END,
               stmt, schema_sync.log_source(dep), schema_sync.log_status(dep),
               CASE WHEN dep IS NOT NULL THEN clock_timestamp() AT TIME ZONE 'UTC' END, dep
          FROM pg_event_trigger_dropped_objects() AS d
         WHERE d.original              -- DROP TABLE also drops its indexes, constraints, types: keep the one dropped
           AND NOT d.is_temporary
           AND coalesce(d.schema_name, '') <> 'schema_sync';
    EXCEPTION WHEN OTHERS THEN
        PERFORM schema_sync.note_failure(tg_tag, SQLERRM);
    END;
END
$fn$;

REVOKE ALL ON FUNCTION schema_sync.on_ddl_command_end() FROM PUBLIC;
REVOKE ALL ON FUNCTION schema_sync.on_sql_drop() FROM PUBLIC;
REVOKE ALL ON FUNCTION schema_sync.note_failure(text, text) FROM PUBLIC;

-- ------------------------------------------------------------------ the event triggers
DROP EVENT TRIGGER IF EXISTS schema_sync_ddl_command_end;
DROP EVENT TRIGGER IF EXISTS schema_sync_sql_drop;
CREATE EVENT TRIGGER schema_sync_ddl_command_end ON ddl_command_end
    EXECUTE FUNCTION schema_sync.on_ddl_command_end();
CREATE EVENT TRIGGER schema_sync_sql_drop ON sql_drop
    EXECUTE FUNCTION schema_sync.on_sql_drop();

-- ------------------------------------------------------------------ version (last: only a complete install sets it)
INSERT INTO schema_sync.install_info (name, value) VALUES ('mode', 'triggers')
    ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value;
INSERT INTO schema_sync.install_info (name, value) VALUES ('version', '1')
    ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value;
