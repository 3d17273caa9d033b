"""Every masker against the one shared corpus (tests/data/masking_corpus.json): the Python masker on every form,
PostgreSQL's `schema_sync.mask_statement` (the function the event triggers call) run in the real server on the
PostgreSQL forms, and `masked_query()`'s placeholder when masking itself fails."""

from __future__ import annotations

import psycopg
import pytest
from conftest import ServerDB, pg_execute
from masking_corpus import SECRET, check_masked, kept_forms, masked_forms
from test_drift_postgres import pg_rows, pg_script

from mkdocs_schema_sync.drift.capture import install_script
from mkdocs_schema_sync.masking import mask


@pytest.mark.parametrize(("text", "kept"), masked_forms("python"))
def test_python_masks_every_form(text: str, kept: str) -> None:
    check_masked(text, kept, mask(text))


@pytest.mark.parametrize("text", kept_forms("python"))
def test_python_leaves_text_without_secrets_alone(text: str) -> None:
    assert mask(text) == text


def pg_mask(conn: psycopg.Connection, text: str) -> str:
    row = conn.execute("SELECT schema_sync.mask_statement(%s)", (text,)).fetchone()
    assert row is not None
    return str(row[0])


@pytest.mark.postgres
def test_the_trigger_masker_masks_every_postgres_form(pg_db: ServerDB) -> None:
    """One install, every form: a list of misses, so one run shows them all."""
    pg_script(pg_db, install_script("postgresql"))
    with psycopg.connect(host=pg_db.host, port=pg_db.port, user=pg_db.user, dbname=pg_db.name, autocommit=True) as c:
        misses = []
        for text, kept in masked_forms("postgres"):
            out = pg_mask(c, text)
            if SECRET in out or kept not in out or "***" not in out:
                misses.append(out)
        assert not misses, "\n".join(misses)
        changed = [t for t in kept_forms("postgres") if pg_mask(c, t) != t]
        assert not changed, changed


@pytest.mark.postgres
def test_masked_query_stores_a_placeholder_when_masking_fails(pg_db: ServerDB) -> None:
    """A broken mask function must not let the raw statement into the log: the trigger stores a placeholder."""
    pg_script(pg_db, install_script("postgresql"))
    pg_execute(
        pg_db,
        "CREATE OR REPLACE FUNCTION schema_sync.mask_statement(q text) RETURNS text LANGUAGE plpgsql "
        "AS $$ BEGIN RAISE EXCEPTION 'broken'; END $$",
    )
    pg_execute(pg_db, f"CREATE TABLE masked_fail (a int DEFAULT 1); COMMENT ON TABLE masked_fail IS 'pwd={SECRET}'")
    rows = pg_rows(pg_db, "SELECT statement FROM schema_sync.drift_log WHERE object_name = 'masked_fail'")
    assert rows and all(str(r[0]).startswith("(not shown: masking the statement failed") for r in rows), rows


@pytest.mark.postgres
def test_comments_and_defaults_are_masked_as_they_enter_the_catalog(pg_db: ServerDB) -> None:
    """Read from a real PostgreSQL: a comment with a URL's user info and a default with `pwd=` reach no page."""
    from mkdocs_schema_sync.db import open_database, parse_connection

    pg_execute(
        pg_db,
        f"CREATE TABLE feeds (conn text DEFAULT 'host=h pwd={SECRET}', note text); "
        f"COMMENT ON TABLE feeds IS 'mirror of https://bob:{SECRET}@h/x'; "
        f"COMMENT ON COLUMN feeds.note IS 'read with password={SECRET} please'",
    )
    url = f"postgresql://{pg_db.user}@{pg_db.host}:{pg_db.port}/{pg_db.name}"
    with open_database(parse_connection(url)) as db:
        catalog = db.dialect.read_catalog(db)
    table = catalog.get("public", "feeds")
    assert table is not None
    texts = [table.comment, *(c.comment for c in table.columns), *(c.default for c in table.columns)]
    assert all(SECRET not in (t or "") for t in texts), texts
    assert table.comment == "mirror of https://bob:***@h/x"
    assert table.columns[0].default is not None and "pwd=***" in table.columns[0].default
