"""The one entry point to storage: a `Store` composes the concerns, each with its own module and SQL.

    store = Store(url)              # the process's migrated database for that URL (storage.session)
    store.documents.put(data)       # raw bytes by sha256 (storage.documents)
    store.reports.store(...)        # sites, reports and their versions (storage.reports)
    store.events.iter(...)          # events and the delivery ledger (storage.events)
    store.runs.start(...)           # crawl runs, site results, fetched resources (storage.runs)

Building a Store is cheap: the engine is made and the schema migrated once per URL per process.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from storage.documents import Documents
from storage.events import Events
from storage.reports import Reports
from storage.runs import Runs
from storage.session import Database, open_database


class Store:
    def __init__(self, url: str | None = None, blob_dir: str | Path | None = None) -> None:
        self.db: Database = open_database(url)
        self.documents = Documents(self.db, blob_dir)
        self.reports = Reports(self.db, self.documents)
        self.events = Events(self.db)
        self.runs = Runs(self.db)

    @property
    def url(self) -> str:
        return self.db.url

    @property
    def engine(self) -> Engine:
        return self.db.engine

    def close(self) -> None:
        """Release the pooled connections (the engine stays, migrated, for the rest of the process)."""
        self.db.release()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
