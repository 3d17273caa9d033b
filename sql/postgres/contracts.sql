-- mkdocs-schema-sync: ETL contracts inside PostgreSQL 11+.
--
-- Run by `mkdocs-schema-sync install-contracts` (or by a DBA: `install-contracts --print`),
-- which follows this script with the rows of contracts.yml and, with --enforce,
-- the event triggers at the end of this file's companion contracts_enforce.sql.
-- Idempotent: IF NOT EXISTS / CREATE OR REPLACE; the contract rows are reloaded.
--
--   schema_sync.contract_columns  one row per protected column (column_name NULL: the table itself)
--   schema_sync.contract_status   each row's status straight from pg_catalog
--   schema_sync.contract_refuse() what the enforcement triggers call: log (via dblink) and raise

-- The schema, schema_sync.drift_log (a refusal is a row with sync_status 'refused') and
-- schema_sync.install_info come from log_tables.sql, which the installer runs first.
-- install_info also holds:
--   refusal_log_conninfo  libpq connection string dblink uses to write refusals (NULL: this
--                         database on this server as the installing superuser)
INSERT INTO schema_sync.install_info (name, value) VALUES ('refusal_log_conninfo', NULL) ON CONFLICT (name) DO NOTHING;

CREATE TABLE IF NOT EXISTS schema_sync.contract_columns (
    contract_name     text NOT NULL,
    owner             text,
    severity          varchar(16) NOT NULL DEFAULT 'error' CHECK (severity IN ('error', 'warning')),
    schema_name       text NOT NULL,
    table_name        text NOT NULL,
    column_name       text,            -- NULL: the row protects the table itself
    expected_type     text,            -- as format_type() spells it: character varying(64)
    expected_nullable boolean,
    compatible_types  text[]           -- wider types accepted instead, same spelling
);
REVOKE ALL ON schema_sync.contract_columns FROM PUBLIC;
GRANT SELECT ON schema_sync.contract_columns TO PUBLIC;

CREATE OR REPLACE VIEW schema_sync.contract_status AS
SELECT cc.contract_name,
       cc.owner,
       cc.severity,
       cc.schema_name,
       cc.table_name,
       cc.column_name,
       cc.expected_type,
       cc.expected_nullable,
       format_type(a.atttypid, a.atttypmod) AS found_type,
       CASE WHEN a.attnum IS NOT NULL THEN NOT a.attnotnull END AS found_nullable,
       CASE
           WHEN c.oid IS NULL THEN 'table missing'
           WHEN cc.column_name IS NULL THEN 'holds'
           WHEN a.attnum IS NULL THEN 'column missing'
           WHEN cc.expected_type IS NOT NULL
                AND format_type(a.atttypid, a.atttypmod) <> cc.expected_type
                AND NOT format_type(a.atttypid, a.atttypmod) = ANY (coalesce(cc.compatible_types, '{}'::text[]))
               THEN 'type differs'
           WHEN cc.expected_nullable IS NOT NULL AND (NOT a.attnotnull) <> cc.expected_nullable
               THEN 'nullability differs'
           ELSE 'holds'
       END AS status
FROM schema_sync.contract_columns AS cc
LEFT JOIN pg_catalog.pg_namespace AS n ON n.nspname = cc.schema_name
LEFT JOIN pg_catalog.pg_class AS c
       ON c.relnamespace = n.oid AND c.relname = cc.table_name AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
LEFT JOIN pg_catalog.pg_attribute AS a
       ON a.attrelid = c.oid AND a.attname = cc.column_name AND a.attnum > 0 AND NOT a.attisdropped;
GRANT SELECT ON schema_sync.contract_status TO PUBLIC;

-- Refuse a statement: write the refusal to the drift log through dblink (a plain INSERT
-- would be rolled back with the refused DDL), then raise, which rolls the DDL back.
-- Without the dblink extension the refusal still reaches the client and the server log.
CREATE OR REPLACE FUNCTION schema_sync.contract_refuse(
    tag text, contract text, owner text, sch text, tbl text, col text, what text)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    obj      text := CASE WHEN col IS NULL THEN format('table %I.%I', sch, tbl)
                          ELSE format('column %I.%I.%I', sch, tbl, col) END;
    stmt     text;
    ext      text;
    conninfo text;
    logged   text := 'no: the dblink extension is not installed';
BEGIN
    BEGIN  -- passwords in the statement never reach the log, the client or the server log
        stmt := left(schema_sync.mask_statement(current_query()), 4000);
    EXCEPTION WHEN OTHERS THEN
        stmt := '(not shown: schema_sync.mask_statement failed: ' || SQLERRM || ')';
    END;
    SELECT n.nspname INTO ext
      FROM pg_extension AS e JOIN pg_namespace AS n ON n.oid = e.extnamespace
     WHERE e.extname = 'dblink';
    IF ext IS NOT NULL THEN
        BEGIN
            SELECT value INTO conninfo FROM schema_sync.install_info WHERE name = 'refusal_log_conninfo';
            IF conninfo IS NULL THEN
                conninfo := format('dbname=%s user=%s port=%s',
                    schema_sync.conninfo_quote(current_database()), schema_sync.conninfo_quote(current_user),
                    current_setting('port'));
                IF inet_server_addr() IS NOT NULL THEN
                    conninfo := conninfo || ' host=' || host(inet_server_addr());
                END IF;
            END IF;
            EXECUTE format('SELECT %I.dblink_exec($1, $2)', ext) USING conninfo, format(
                'INSERT INTO schema_sync.drift_log (login_name, event_type, object_type, schema_name, object_name, '
                'statement, source, sync_status, status_changed_at, status_ref) '
                'VALUES (%L, %L, %L, %L, %L, %L, ''trigger'', ''refused'', clock_timestamp() AT TIME ZONE ''UTC'', %L)',
                session_user, tag, CASE WHEN col IS NULL THEN 'table' ELSE 'table column' END, sch,
                CASE WHEN col IS NULL THEN tbl ELSE tbl || '.' || col END, stmt, 'contract: ' || contract);
            logged := 'yes (schema_sync.drift_log, sync_status refused)';
        EXCEPTION WHEN OTHERS THEN
            logged := 'no: ' || SQLERRM;
            RAISE WARNING 'schema-sync: the refusal could not be written to the drift log: %', SQLERRM;
        END;
    END IF;
    RAISE EXCEPTION 'schema-sync: % refused: % is protected by contract "%" (owner: %); the statement would leave it %',
            tag, obj, contract, coalesce(owner, 'unknown'), what
        USING ERRCODE = 'insufficient_privilege',
              DETAIL = format('session user: %s; statement: %s; logged: %s', session_user, stmt, logged),
              HINT = 'Change the contract in contracts.yml and run install-contracts again, or install without --enforce.';
END
$fn$;

CREATE OR REPLACE FUNCTION schema_sync.conninfo_quote(v text)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $fn$ SELECT '''' || replace(replace(v, '\', '\\'), '''', '\''') || '''' $fn$;

-- A fingerprint of each broken `error` row, to tell what a statement newly broke.
CREATE OR REPLACE FUNCTION schema_sync.contract_failures()
RETURNS text[]
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT coalesce(array_agg(md5(concat_ws('|', contract_name, schema_name, table_name, column_name, status))), '{}')
      FROM schema_sync.contract_status
     WHERE status <> 'holds' AND severity = 'error'
$fn$;

-- ddl_command_start: remember what was already broken before the statement.
CREATE OR REPLACE FUNCTION schema_sync.contract_guard_start()
RETURNS event_trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    PERFORM set_config('schema_sync.broken_before', array_to_string(schema_sync.contract_failures(), ','), true);
EXCEPTION WHEN OTHERS THEN
    PERFORM set_config('schema_sync.broken_before', '', true);
END
$fn$;

-- ddl_command_end: refuse a statement that renamed, retyped or re-nulled a protected column
-- (or renamed a protected table), i.e. that broke a row which held before it.
CREATE OR REPLACE FUNCTION schema_sync.contract_guard_end()
RETURNS event_trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    before text[] := string_to_array(coalesce(current_setting('schema_sync.broken_before', true), ''), ',');
    r record;
BEGIN
    FOR r IN
        SELECT s.* FROM schema_sync.contract_status AS s
         WHERE s.status <> 'holds' AND s.severity = 'error'
           AND NOT md5(concat_ws('|', s.contract_name, s.schema_name, s.table_name, s.column_name, s.status)) = ANY (before)
         ORDER BY s.contract_name, s.table_name, s.column_name
         LIMIT 1
    LOOP
        PERFORM schema_sync.contract_refuse(tg_tag, r.contract_name, r.owner, r.schema_name, r.table_name,
            r.column_name, CASE r.status WHEN 'type differs' THEN 'with type ' || r.found_type
                                         WHEN 'nullability differs' THEN CASE WHEN r.found_nullable THEN 'nullable' ELSE 'NOT NULL' END
                                         ELSE 'missing (renamed or dropped)' END);
    END LOOP;
END
$fn$;

-- sql_drop: refuse dropping a protected table or column (also through DROP SCHEMA ... CASCADE).
CREATE OR REPLACE FUNCTION schema_sync.contract_guard_drop()
RETURNS event_trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    r record;
BEGIN
    FOR r IN
        SELECT cc.contract_name, cc.owner, cc.schema_name, cc.table_name,
               CASE WHEN d.object_type = 'table column' THEN cc.column_name END AS column_name
          FROM pg_event_trigger_dropped_objects() AS d
          JOIN schema_sync.contract_columns AS cc
            ON cc.severity = 'error'
           AND cc.schema_name = d.address_names[1] AND cc.table_name = d.address_names[2]
           AND (d.object_type = 'table' OR (d.object_type = 'table column' AND cc.column_name = d.address_names[3]))
         WHERE d.object_type IN ('table', 'table column')
         ORDER BY cc.contract_name, cc.column_name NULLS FIRST
         LIMIT 1
    LOOP
        PERFORM schema_sync.contract_refuse(tg_tag, r.contract_name, r.owner, r.schema_name, r.table_name,
            r.column_name, 'dropped');
    END LOOP;
END
$fn$;
