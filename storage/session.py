"""Which database, and one migrated engine for it per process.

`open_database(url)` resolves the URL, builds the engine and upgrades the schema the first time a process asks
for that URL; later calls (the CLI, the spider, the pipelines, the extensions of one crawl) get the same
`Database` without migrating again. A SQLite file deleted since is opened afresh.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from storage import env

DEFAULT_URL = env.DB_URL_DEFAULT
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
T = TypeVar("T")
_PG_MIGRATION_LOCK = 0x6E69616E  # pg_advisory_xact_lock key: one migrating process at a time


def resolve_url(value: str | None) -> str:
    """A SQLAlchemy URL from a URL, a file path, $NIANBAO_DB, or the default `sqlite:///nianbao.db`."""
    value = value or env.db_url()
    if "://" not in value:
        return "sqlite:///" + str(Path(value).expanduser().resolve())
    for prefix in ("postgresql://", "postgres://"):
        if value.startswith(prefix):
            return "postgresql+psycopg://" + value[len(prefix):]
    return value


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL (None for another backend or an in-memory database)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout = 60000")
    cur.execute("PRAGMA foreign_keys = ON")
    # switching to WAL (once per database file) ignores busy_timeout: retry while another process holds a lock
    deadline = time.monotonic() + 60
    while True:
        try:
            cur.execute("PRAGMA journal_mode = WAL")
            break
        except sqlite3.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    cur.close()


class Database:
    """One database: its URL, its engine, and the dialect's INSERT (with ON CONFLICT on both backends)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = make_url(url).get_backend_name() == "sqlite"
        if self.is_sqlite:
            self.engine: Engine = create_engine(url, json_serializer=_dumps)
            event.listen(self.engine, "connect", _sqlite_pragmas)
        else:
            self.engine = create_engine(url, json_serializer=_dumps, pool_pre_ping=True)

    def insert(self, model: type) -> Any:
        """The dialect's INSERT, which has `on_conflict_do_nothing/_do_update` on both backends."""
        return (sqlite.insert if self.is_sqlite else postgresql.insert)(model)

    def migrate(self) -> None:
        """Upgrade to head inside one locked transaction, so concurrent processes migrate once."""
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.connect() as conn, conn.begin():
            if self.is_sqlite:
                conn.exec_driver_sql("BEGIN IMMEDIATE")  # take the write lock before reading the version
            else:
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def transient(self, exc: BaseException) -> bool:
        """An error that trying again may cure: the server restarting, a connection dropped or terminated
        (PostgreSQL), a lock held too long (SQLite). A read-only or full disk, a constraint, a bug: not."""
        if isinstance(exc, DBAPIError) and exc.connection_invalidated:
            return True
        if not isinstance(exc, OperationalError | InterfaceError):
            return False
        if self.is_sqlite:
            return any(word in str(exc.orig).lower() for word in ("locked", "busy"))
        return True

    def retrying(self, work: Callable[[], T], seconds: float,
                 on_retry: Callable[[BaseException, float], None] | None = None) -> T:
        """`work()`, tried again while it fails with a transient error, waiting 0.25 s, 0.5 s, … (at most 5 s)
        between tries, for up to `seconds` in all; then its error is raised. (The store's writes are transactions
        and idempotent: one tried again after it failed, or after its answer was lost, stores nothing twice.)"""
        deadline, wait = time.monotonic() + seconds, 0.25
        while True:
            try:
                return work()
            except Exception as exc:
                if not self.transient(exc) or time.monotonic() + wait > deadline:
                    raise
                if on_retry is not None:
                    on_retry(exc, wait)
                time.sleep(wait)
                wait = min(wait * 2, 5.0)

    def release(self) -> None:
        """Close the pooled connections; the engine stays usable (and migrated) for the rest of the process."""
        self.engine.dispose()


_OPEN: dict[tuple[int, str], Database] = {}
_LOCK = threading.Lock()


def open_database(url: str | None = None) -> Database:
    """The process's migrated `Database` for this URL (see the module docstring)."""
    resolved = resolve_url(url)
    key = (os.getpid(), resolved)  # a forked child builds its own engine
    with _LOCK:
        db = _OPEN.get(key)
        file = sqlite_file(resolved)
        if db is None or (file is not None and not file.exists()):
            db = Database(resolved)
            db.migrate()
            _OPEN[key] = db
        return db
