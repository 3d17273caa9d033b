"""Which broken contracts were already announced, kept where every CI run sees it.

A git-ignored state file starts empty on every fresh checkout, so each CI run
announced the same broken contract again. The record lives in the drift log's
state table (`notified_contracts`, JSON), or in the JSON drift log beside the
snapshot for a database without one; the state file is the last resort, when
the database cannot be opened for writing.
"""

from __future__ import annotations

import json

from ..contracts import policy
from ..contracts.check import ContractReport
from ..contracts.notify import Outcome
from ..db import Database, connection_spec, open_database
from ..drift.log import load_state_value, save_state_value
from ..errors import SchemaSyncError
from ..masking import get_logger
from ..settings import Settings

log = get_logger("notify")

NOTIFIED_STATE = "notified_contracts"


class DriftLogNotified:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings

    def load(self) -> dict[str, list[str]]:
        text = load_state_value(self.db, self.settings.snapshot, NOTIFIED_STATE)
        try:
            data = json.loads(text) if text else {}
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            return {}
        return {str(k): [str(x) for x in v] for k, v in data.items() if isinstance(v, list)}

    def save(self, notified: dict[str, list[str]]) -> None:
        text = json.dumps({k: sorted(v) for k, v in notified.items()}, sort_keys=True)
        save_state_value(self.db, self.settings.snapshot, NOTIFIED_STATE, text)


def notify(report: ContractReport, settings: Settings, source: str, db: Database | None = None) -> Outcome:
    """`policy.notify` with the record in the drift log; opens a writable connection when given none."""
    if not settings.notify or not report.broken:
        return policy.notify(report, settings, source)
    if db is not None:
        return policy.notify(report, settings, source, DriftLogNotified(db, settings))
    try:
        with open_database(connection_spec(settings), writable=True) as own:
            return policy.notify(report, settings, source, DriftLogNotified(own, settings))
    except SchemaSyncError as exc:
        log.info("notified contracts go to the state file (the database cannot be written: %s)", exc.message)
        return policy.notify(report, settings, source)
