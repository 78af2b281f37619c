"""Storage on both SQLite and PostgreSQL: migrations, idempotent writes, concurrent writers, SIGKILL,
documents, site health, exports, URL resolution."""

from __future__ import annotations

import csv
import hashlib
import json
import multiprocessing
import os
import random
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, insert, inspect, select, text

from crawler.config import env
from crawler.outputs.export import export
from crawler.outputs.formats import flat_row
from storage.db import Store
from storage.kinds import SiteResult as Result
from storage.models import CrawlRun, Report, Resource, Site, SiteResult
from storage.session import MIGRATIONS, resolve_url
from tests.conftest import ROOT, need
from tests.web.render import random_report

PG_ADMIN = env("NIANBAO_TEST_PG")
TABLES = {"sites", "crawl_runs", "site_results", "resources", "documents", "reports", "alembic_version"}
SPAWN = multiprocessing.get_context("spawn")


# ------------------------------------------------------------------ backends
@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this session (dropped at the end); yields its URL."""
    admin = None
    for user in ("postgres", "root"):
        engine = create_engine(PG_ADMIN.format(user=user), isolation_level="AUTOCOMMIT",
                               connect_args={"connect_timeout": 3})
        try:
            with engine.connect():
                admin = engine
                break
        except Exception:
            engine.dispose()
    need(admin is not None, "PostgreSQL at 127.0.0.1:5432")
    assert admin is not None
    name = f"nianbao_test_{secrets.token_hex(4)}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: a SQLite file, or a fresh schema in the session's PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "nianbao.db")
    base = request.getfixturevalue("pg_database")
    schema = f"t_{secrets.token_hex(4)}"
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    return f"{base}?options=-csearch_path%3D{schema}"


@pytest.fixture
def blob_dir(db_url: str, tmp_path: Path) -> Path | None:
    """SQLite uses its default (beside the database file); PostgreSQL a folder of this test."""
    return None if "://" not in db_url else tmp_path / "docs"


@pytest.fixture
def store(db_url: str, blob_dir: Path | None) -> Iterator[Store]:
    s = Store(db_url, blob_dir)
    yield s
    s.close()


# ------------------------------------------------------------------ sample data
def sample(i: int, template: str = "2021") -> tuple[dict[str, Any], bytes, dict[str, Any]]:
    """A report with checks, its document's bytes, and provenance without the sha256."""
    report = random_report(random.Random(i), template)
    report["checks"] = [
        {"rule": "requests.keystone.total", "ok": True, "detail": None},
        {"rule": "appeals.review.total", "ok": i % 3 != 0, "detail": None if i % 3 else "3 != 2 + 0 + 0 + 0"},
    ]
    body = f"<html><h1>{report['title']}</h1><p>#{i}</p></html>".encode()
    provenance = {"page_url": f"https://www.county{i}.gov.cn/zwgk/ndbg/", "document_url":
                  f"https://www.county{i}.gov.cn/zwgk/ndbg/{i}.html", "fetched_at": "2024-03-01T08:00:00Z",
                  "content_type": "text/html; charset=utf-8", "http_status": 200,
                  "discovery_path": [f"https://www.county{i}.gov.cn/", f"https://www.county{i}.gov.cn/zwgk/"]}
    return report, body, provenance


def add(store: Store, i: int, template: str = "2021") -> tuple[int, bool]:
    report, body, provenance = sample(i, template)
    provenance["sha256"] = store.documents.put(body, provenance["content_type"], f"{i}.html")
    return store.reports.add(f"县{i % 3}", report, provenance)


def _writer(url: str, blob_dir: Path | None, barrier: Any, n: int) -> None:
    barrier.wait()  # both processes open (and migrate) the empty database at the same moment
    store = Store(url, blob_dir)
    for i in range(n):
        add(store, i)
    store.close()


def _endless_writer(url: str, blob_dir: Path | None) -> None:
    store = Store(url, blob_dir)
    for i in range(100_000):
        report, _, provenance = sample(i)
        body = os.urandom(256 * 1024)  # big enough that a kill may land inside a write
        provenance["sha256"] = store.documents.put(body)
        store.reports.add("宁县", report, provenance)


# ------------------------------------------------------------------ tests
def test_migrations_create_schema_and_reopen_is_noop(db_url: str, blob_dir: Path | None) -> None:
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    store = Store(db_url, blob_dir)
    assert TABLES <= set(inspect(store.engine).get_table_names())
    add(store, 1)
    store.close()
    store = Store(db_url, blob_dir)  # up to date: nothing to do, nothing lost
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [head]
    assert store.reports.count() == 1
    store.close()


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def test_same_report_twice_is_stored_once(store: Store) -> None:
    report, body, provenance = sample(7)
    provenance["sha256"] = store.documents.put(body, provenance["content_type"])
    report_id, new = store.reports.add("宁县", report, provenance)
    assert new
    assert store.reports.add("宁县", report, provenance) == (report_id, False)
    assert store.reports.add("宁县", {**report, "title": "changed"}, provenance) == (report_id, False)
    assert store.reports.count() == 1
    [got] = store.reports.iter()
    assert got.pop("provenance") == provenance
    assert got == report
    with store.engine.connect() as conn:
        row = conn.execute(select(Report)).one()
    assert (row.organ, row.region, row.year, row.template, row.title) == (
        report["organ"], report["region"], report["year"], "2021", report["title"])
    assert (row.checks_total, row.checks_failed) == (2, 0)


def test_provenance_times_come_back_as_utc_z(store: Store) -> None:
    report, body, provenance = sample(3)
    provenance.update(sha256=store.documents.put(body), fetched_at="2024-03-01T16:30:00+08:00")
    store.reports.add("宁县", report, provenance)
    [got] = store.reports.iter()
    assert got["provenance"]["fetched_at"] == "2024-03-01T08:30:00Z"


def test_report_needs_its_document_first(store: Store) -> None:
    report, body, provenance = sample(1)
    provenance["sha256"] = hashlib.sha256(body).hexdigest()
    with pytest.raises(ValueError, match=r"documents\.put\(\)"):
        store.reports.add("宁县", report, provenance)
    assert store.reports.count() == 0


def test_reports_come_ordered_by_region_organ_year(store: Store) -> None:
    for i in range(12):
        add(store, i, "2019" if i % 2 else "2021")
    keys = [(r["region"], r["organ"], r["year"]) for r in store.reports.iter()]
    assert len(keys) == 12
    assert keys == sorted(keys)


def test_document_survives_byte_for_byte(store: Store, db_url: str) -> None:
    data = bytes(range(256)) * 4096 + os.urandom(12345)
    sha = store.documents.put(data, "application/pdf", "报告.pdf")
    assert sha == hashlib.sha256(data).hexdigest()
    assert store.documents.put(data) == sha
    assert store.documents.get(sha) == data
    assert store.documents.path(sha) == store.documents.dir / sha[:2] / sha[2:4] / sha
    assert not list(store.documents.dir.rglob(".tmp-*"))
    assert store.documents.known(sha) and not store.documents.known("0" * 64)
    if "://" not in db_url:
        assert store.documents.dir == Path(db_url + ".docs")


def test_site_health(store: Store) -> None:
    site_id = store.reports.upsert_site("宁县", province="甘肃省", division_code="621026",
                                homepage="http://www.ningxian.gov.cn", hints={"column": "年报"})
    assert store.reports.upsert_site("宁县") == site_id  # nothing given: nothing changed

    def health() -> tuple[Any, ...]:
        with store.engine.connect() as conn:
            s = conn.execute(select(Site).where(Site.id == site_id)).one()
        return s.last_status, s.last_reason, s.consecutive_failures, s.last_success_at, s.province, s.hints

    runs = [store.runs.start({"sites": ["宁县"], "i": i}) for i in range(5)]

    def record(run: int, result: Result, finished: bool = True) -> None:  # as `nianbao crawl` does at its end
        store.runs.site_result(run, result, finished=finished)
        store.runs.finish(run, "ok" if finished else "interrupted", {})

    record(runs[0], Result("宁县", "ok", None, pages_fetched=12, reports_found=5, reports_new=5,
                           reports_parsed=5, checks_failing=1))
    status, _, failures, first_ok, province, hints = health()
    assert (status, failures, province, hints) == ("ok", 0, "甘肃省", {"column": "年报"})
    assert first_ok is not None and first_ok.tzinfo is not None
    record(runs[1], Result("宁县", "blocked", "HTTP 412 from a WAF"))
    # a run that was stopped says nothing about the site: no failure counted, no flag, no status
    record(runs[2], Result("宁县", "interrupted", "the crawl was stopped"), finished=False)
    assert health()[:3] == ("blocked", "HTTP 412 from a WAF", 1)
    store.runs.site_result(runs[3], Result("宁县", "dead", "connection refused"))
    record(runs[3], Result("宁县", "dead", "connection refused"))  # recorded twice, counted once
    assert health()[:4] == ("dead", "connection refused", 2, first_ok)
    record(runs[4], Result("宁县", "ok", None, reports_found=6))
    status, reason, failures, last_ok, *_ = health()
    assert (status, reason, failures) == ("ok", None, 0) and last_ok >= first_ok
    with store.engine.connect() as conn:
        results = conn.execute(select(SiteResult).order_by(SiteResult.run_id)).all()
    assert [(r.status, r.pages_fetched, r.reports_found) for r in results] == [
        ("ok", 12, 5), ("blocked", 0, 0), ("interrupted", 0, 0), ("dead", 0, 0), ("ok", 0, 6)]
    with pytest.raises(TypeError):
        store.runs.site_result(runs[3], Result("宁县", "ok", None, pages=1))  # type: ignore[call-arg]


def test_runs_and_resources(store: Store) -> None:
    run = store.runs.start({"province": "甘肃省"})
    url = "https://www.ningxian.gov.cn/zwgk/ndbg/index.html"
    store.runs.record_resource(run, url, 200, etag='"a"', content_type="text/html")
    store.runs.record_resource(run, url, 304, etag='"b"', last_modified="Fri, 01 Mar 2024 08:00:00 GMT",
                          fetched_at="2024-03-01T08:00:00Z")
    store.runs.record_resource(store.runs.start({}), url, 200)
    store.runs.finish(run, "ok", {"sites": 1, "reports_new": 0})
    with pytest.raises(ValueError):
        store.runs.finish(run, "done", {})
    with store.engine.connect() as conn:
        resources = conn.execute(select(Resource).order_by(Resource.id)).all()
        crawl = conn.execute(select(CrawlRun).where(CrawlRun.id == run)).one()
    assert [(r.run_id, r.http_status, r.etag) for r in resources] == [(run, 304, '"b"'), (run + 1, 200, None)]
    assert resources[0].last_modified == "Fri, 01 Mar 2024 08:00:00 GMT"
    owner = crawl.args.pop("owner")
    assert (crawl.status, crawl.args, crawl.stats) == ("ok", {"province": "甘肃省"}, {"sites": 1, "reports_new": 0})
    assert crawl.finished_at >= crawl.started_at
    assert owner["pid"] == os.getpid() and owner["host"]


def test_runs_whose_process_died_are_marked_dead(store: Store, db_url: str, blob_dir: Path | None) -> None:
    """A run left `running` by a process that is gone (SIGKILL) is marked dead by the next one; a run whose
    process still runs, or that runs on another host, is left alone."""
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from storage.db import Store; "
            "s = Store(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None); print(s.runs.start({}))")
    proc = subprocess.run([sys.executable, "-c", code, str(ROOT), db_url, *([str(blob_dir)] if blob_dir else [])],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    gone = int(proc.stdout.split()[-1])
    alive = store.runs.start({})
    with store.engine.begin() as conn:
        elsewhere = conn.scalar(insert(CrawlRun).values(status="running", args={"owner": {
            "pid": 1, "host": "another-host", "since": "1"}}).returning(CrawlRun.id))
    assert store.runs.mark_dead() == [gone]
    with store.engine.connect() as conn:
        status = dict(conn.execute(select(CrawlRun.id, CrawlRun.status)).all())
        died = conn.scalar(select(CrawlRun.stats).where(CrawlRun.id == gone))
    assert (status[gone], status[alive], status[elsewhere]) == ("dead", "running", "running")
    assert "ended without finishing the run" in died["died"]
    assert store.runs.mark_dead() == []


def test_two_processes_add_the_same_reports(db_url: str, blob_dir: Path | None) -> None:
    barrier = SPAWN.Barrier(2)
    procs = [SPAWN.Process(target=_writer, args=(db_url, blob_dir, barrier, 20)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    with Store(db_url, blob_dir) as store:
        assert store.reports.count() == 20
        assert len({r["provenance"]["sha256"] for r in store.reports.iter()}) == 20
        with store.engine.connect() as conn:
            assert conn.scalar(text("SELECT count(*) FROM documents")) == 20
            assert conn.scalar(text("SELECT count(*) FROM sites")) == 3


def test_sigkill_leaves_no_half_written_document(db_url: str, blob_dir: Path | None) -> None:
    Store(db_url, blob_dir).close()
    proc = SPAWN.Process(target=_endless_writer, args=(db_url, blob_dir))
    proc.start()
    with Store(db_url, blob_dir) as store:
        deadline = time.monotonic() + 60
        while store.reports.count() < 10 and time.monotonic() < deadline and proc.is_alive():
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.join()
        assert store.reports.count() >= 10
        for report in store.reports.iter():
            sha = report["provenance"]["sha256"]
            assert hashlib.sha256(store.documents.get(sha)).hexdigest() == sha
        for path in store.documents.dir.rglob("*"):
            if path.is_file() and not path.name.startswith(".tmp-"):
                assert hashlib.sha256(path.read_bytes()).hexdigest() == path.name
        add(store, 1)  # still writable afterwards
        assert store.documents.known(hashlib.sha256(sample(1)[1]).hexdigest())


def _exported(store: Store) -> list[dict[str, Any]]:
    for i in range(8):
        add(store, i, "2019" if i % 3 == 0 else "2021")
    return list(store.reports.iter())


def test_export_jsonl(store: Store, tmp_path: Path) -> None:
    reports = _exported(store)
    out = tmp_path / "reports.jsonl"
    assert export(store.reports.iter, "jsonl", out) == 8
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == reports
    assert "政府信息公开工作年度报告" in lines[0]  # not \u-escaped


def test_export_csv(store: Store, tmp_path: Path) -> None:
    reports = _exported(store)
    out = tmp_path / "reports.csv"
    assert export(store.reports.iter, "csv", out) == 8
    with out.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        header = list(reader.fieldnames or [])
        rows = list(reader)
    _check_columns(header)
    assert len(rows) == 8
    for row, report in zip(rows, reports, strict=True):
        flat = flat_row(report)
        assert row == {c: "" if flat.get(c) is None else str(flat[c]) for c in header}
        assert float(row["active.fees.amount_10k_yuan" if report["template"] == "2021" else
                         "active.procurement.amount"]) >= 0
        assert json.loads(row["checks"]) == report["checks"]
        assert json.loads(row["provenance.discovery_path"]) == report["provenance"]["discovery_path"]


def test_export_parquet(store: Store, tmp_path: Path) -> None:
    reports = _exported(store)
    out = tmp_path / "reports.parquet"
    assert export(store.reports.iter, "parquet", out) == 8
    table = pq.read_table(out)
    _check_columns(table.column_names)
    assert str(table.schema.field("requests.new.natural_person").type) == "int64"
    for row, report in zip(table.to_pylist(), reports, strict=True):
        flat = flat_row(report)
        assert row == {c: flat.get(c) for c in table.column_names}
        assert row["requests.new.natural_person"] == report["requests"]["new"]["natural_person"]


def _check_columns(columns: list[str]) -> None:
    assert columns[:6] == ["schema", "title", "year", "region", "organ", "template"]
    assert columns[-7:] == [f"provenance.{k}" for k in ("page_url", "document_url", "fetched_at", "sha256",
                                                          "content_type", "http_status", "discovery_path")]
    for column in ("requests.new.natural_person", "active.fees.amount_10k_yuan", "active.procurement.amount_unit",
                   "appeals.review.total", "checks"):
        assert column in columns
    # keys only 2019 reports have sit among the other `active` columns, not at the end
    assert columns.index("active.other_services.change") < columns.index("requests.new.natural_person")


def test_export_unknown_format(store: Store, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="xlsx"):
        export(store.reports.iter, "xlsx", tmp_path / "reports.xlsx")
    assert not list(tmp_path.glob("*reports.xlsx*"))


def test_resolve_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("NIANBAO_DB", raising=False)
    assert resolve_url(None) == "sqlite:///nianbao.db"
    monkeypatch.setenv("NIANBAO_DB", "postgres://u@db:5432/nianbao")
    assert resolve_url(None) == "postgresql+psycopg://u@db:5432/nianbao"
    assert resolve_url("postgresql://u:p@localhost/nb") == "postgresql+psycopg://u:p@localhost/nb"
    assert resolve_url("postgresql+psycopg://u@h/nb") == "postgresql+psycopg://u@h/nb"
    assert resolve_url("sqlite:///rel.db") == "sqlite:///rel.db"
    assert resolve_url(str(tmp_path / "a.db")) == f"sqlite:///{tmp_path}/a.db"
    monkeypatch.chdir(tmp_path)
    assert resolve_url("data/x.db") == f"sqlite:///{tmp_path.resolve()}/data/x.db"


def test_storage_imports_nothing_of_crawler() -> None:
    """The layering parsers ← storage ← crawler: storage never reaches up."""
    import ast

    from tests.conftest import ROOT

    bad = []
    for path in sorted((ROOT / "storage").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            bad += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] == "crawler"]
    assert bad == []
