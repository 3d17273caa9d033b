"""The issue's "Done when", through the real CLI: the example site deploys its migrations to a PostgreSQL
copy of Scout (target staging), the next build shows the new columns, the history has both files, the
deploy's drift rows are tagged so `monitor --once` reports nothing, and a third file that drops
`canonical_tx_id_norm` is rolled back by the contract gate."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
import pytest
from conftest import EXAMPLE, ServerDB, Site, cli, mkdocs_build, pg_execute

pytestmark = pytest.mark.postgres


def _rows(db: ServerDB, sql: str) -> list[tuple]:
    with psycopg.connect(host=db.host, port=db.port, user=db.user, dbname=db.name, autocommit=True) as conn:
        return conn.execute(sql).fetchall()


@pytest.fixture
def site(tmp_path: Path) -> Site:
    root = tmp_path / "site-src"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("site", "scout.db", "*.json"))
    return Site(root)


def test_example_site_deploys_to_staging(pg_db: ServerDB, site: Site) -> None:
    pg_execute(pg_db, (EXAMPLE / "scout.postgres.sql").read_text())
    url = pg_db.url("postgresql")
    env = {"SCHEMA_SYNC_STAGING": url, "SCHEMA_SYNC_CONNECTION": url}
    assert cli("install-triggers", cwd=site.root, env=env).returncode == 0  # event triggers log every DDL

    # The plan: both files pending, their checksums, the columns they add; nothing changes.
    plan = cli("deploy", "--plan", "--target", "staging", cwd=site.root, env=env)
    assert plan.returncode == 0, plan.stderr
    assert "pending         001_stores_timezone.sql" in plan.stdout
    assert "pending         002_payload_device_firmware.sql" in plan.stdout
    assert "column added: public.stores.timezone" in plan.stdout
    assert "column added: public.PayloadTransactions.device_firmware" in plan.stdout
    assert _rows(pg_db, "SELECT count(*) FROM information_schema.columns WHERE column_name = 'timezone'") == [(0,)]
    assert _rows(pg_db, "SELECT count(*) FROM schema_sync.drift_log") == [(0,)]
    assert _rows(pg_db, "SELECT to_regclass('schema_sync.deploy_history')") == [(None,)]

    done = cli("deploy", "--target", "staging", cwd=site.root, env=env)
    assert done.returncode == 0, done.stderr
    assert "2 file(s) applied" in done.stdout
    history = _rows(pg_db, "SELECT version, script, outcome, target, length(checksum) FROM schema_sync.deploy_history")
    assert history == [
        ("1", "001_stores_timezone.sql", "applied", "staging", 64),
        ("2", "002_payload_device_firmware.sql", "applied", "staging", 64),
    ]
    # The deploy's DDL is in the drift log as deployed, never as pending drift.
    drift = _rows(pg_db, "SELECT DISTINCT source, sync_status FROM schema_sync.drift_log")
    assert drift == [("deploy", "deployed")]
    deploy_ids = {r[0] for r in _rows(pg_db, "SELECT status_ref FROM schema_sync.drift_log")}
    assert deploy_ids == {r[0] for r in _rows(pg_db, "SELECT deploy_id FROM schema_sync.deploy_history")}
    # The setting belongs to the deploy's session: another session's DDL is still drift.
    pg_execute(pg_db, "ALTER TABLE regions ADD COLUMN manager text")
    by_hand = _rows(
        pg_db, "SELECT source, sync_status, status_ref FROM schema_sync.drift_log WHERE statement LIKE '%manager%'"
    )
    assert by_hand == [("trigger", "pending", None)]
    monitor = cli("monitor", "--once", cwd=site.root, env=env)
    assert monitor.returncode == 0, monitor.stderr
    assert "is broken" not in monitor.stdout
    assert _rows(pg_db, "SELECT count(*) FROM schema_sync.drift_log WHERE sync_status = 'pending'") == [(1,)]

    # The docs built next show the new columns.
    build = mkdocs_build(site, strict=False, env=env)  # the hand-written pages link to the SQLite paths
    assert build.returncode == 0, build.stderr
    stores = next(site.site_dir.glob("schema/**/stores/index.html")).read_text()
    assert "timezone" in stores and "IANA time zone of the store" in stores
    payload = next(site.site_dir.glob("schema/**/PayloadTransactions/index.html")).read_text()
    assert "device_firmware" in payload

    # Rerun: nothing to apply.
    again = cli("deploy", "--target", "staging", cwd=site.root, env=env)
    assert again.returncode == 0 and "nothing to deploy" in again.stdout

    # A third file dropping the protected column: rolled back by the gate, the contract named.
    (site.root / "migrations" / "003_drop_legacy_tx_key.sql").write_text(
        'ALTER TABLE "PayloadTransactions" ADD COLUMN legacy_note text;\n'
        'ALTER TABLE "PayloadTransactions" DROP COLUMN canonical_tx_id_norm CASCADE;\n'
    )
    refused = cli("deploy", "--target", "staging", cwd=site.root, env=env)
    assert refused.returncode == 1
    last = refused.stderr.strip().splitlines()[-1]
    assert "payload-transaction-key" in last and "canonical_tx_id_norm" in last and "003_drop_legacy_tx_key.sql" in last
    assert "rolled back" in last
    cols = _rows(
        pg_db,
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'PayloadTransactions' "
        "AND column_name IN ('canonical_tx_id_norm', 'legacy_note')",
    )
    assert cols == [("canonical_tx_id_norm",)]
    outcomes = _rows(pg_db, "SELECT script, outcome FROM schema_sync.deploy_history ORDER BY installed_rank")
    assert outcomes[-1] == ("003_drop_legacy_tx_key.sql", "refused")
    assert [o for o in outcomes if o[1] == "applied"] == [
        ("001_stores_timezone.sql", "applied"),
        ("002_payload_device_firmware.sql", "applied"),
    ]
