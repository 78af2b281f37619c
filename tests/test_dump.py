"""`nianbao dump`: a release of the store that verifies and replays, from a real crawl and from the seeds;
`--verify` catches tampering; a failed or killed dump never looks complete; PostgreSQL too."""

from __future__ import annotations

import csv
import json
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from sqlalchemy import create_engine, text, update
from warcio.archiveiterator import ArchiveIterator

from crawler.outputs.dump import MANIFEST, REPORTS, WARC, DumpError, doc_path, dump, verify
from parsers import parse_file
from storage.db import Store
from storage.models import Report
from tests.conftest import ROOT, SHARED, run_cli
from tests.test_storage import pg_database  # noqa: F401  (fixture: a fresh PostgreSQL database per session)

FILES = {MANIFEST, *REPORTS.values(), WARC}


# ------------------------------------------------------------------ stores to dump
@pytest.fixture(scope="module")
def web(imitation_crawl):
    return imitation_crawl.web


@pytest.fixture(scope="module")
def crawled(imitation_crawl, tmp_path_factory) -> tuple[str, Path]:
    """A real crawl of the imitation web into SQLite, dumped once with the CLI: (database, dump directory)."""
    tmp = tmp_path_factory.mktemp("dump-crawl")
    db = imitation_crawl.copy(tmp)
    out = tmp / "release"
    proc = run_cli("dump", "--db", db, "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("dumped ") and proc.stdout.count("\n") == 1, proc.stdout
    return db, out


def fill(store: Store) -> list[int]:
    """The shared seed reports, each with its document, a recorded fetch and provenance; returns report ids."""
    run = store.runs.start({})
    ids = []
    for i, path in enumerate(sorted((SHARED / "seeds").glob("*.txt"))):
        data = path.read_bytes()
        sha = store.documents.put(data, "text/plain; charset=utf-8", path.name)
        url = f"https://www.county{i}.gov.cn/zwgk/ndbg/{path.name}"
        store.runs.record_resource(run, url, 200, etag=f'"v{i}"', last_modified="Fri, 01 Mar 2024 08:00:00 GMT",
                              content_type="text/plain; charset=utf-8", sha256=sha, size=len(data),
                              fetched_at="2024-03-01T08:00:00Z")
        rid, _ = store.reports.add(f"县{i}", parse_file(str(path)), {
            "sha256": sha, "page_url": f"https://www.county{i}.gov.cn/zwgk/ndbg/", "document_url": url,
            "fetched_at": f"2024-03-01T08:00:0{i}.25Z", "content_type": "text/plain; charset=utf-8",
            "http_status": 200, "discovery_path": [f"https://www.county{i}.gov.cn/"]})
        ids.append(rid)
    return ids


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[tuple[Store, list[int]]]:
    store = Store(str(tmp_path / "seeds.db"))
    ids = fill(store)
    yield store, ids
    store.close()


def lines(proc: subprocess.CompletedProcess[str]) -> list[str]:
    return proc.stderr.strip().splitlines()


def tampered(out: Path, tmp: Path) -> Path:
    """An independent copy of a dump (its documents may be hard links into the store)."""
    copy = tmp / "copy"
    shutil.copytree(out, copy)
    return copy


# ------------------------------------------------------------------ a real crawl
def test_a_crawl_dumps_complete_and_verifies(web, crawled) -> None:
    db, out = crawled
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    truth = {r.document_url for s in web.sites if s.status == "ok" for r in s.reports}
    assert FILES <= {p.name for p in out.iterdir()}
    assert manifest["counts"]["reports"] == len(truth) == 110
    for doc in manifest["documents"]:
        path = out / doc["path"]
        assert path.name == doc["sha256"] and path.stat().st_size == doc["size"]
    assert {r["document_url"] for d in manifest["documents"] for r in d["reports"]} == truth
    assert {f["path"] for f in manifest["files"]} == FILES - {MANIFEST}
    proc = run_cli("dump", "--verify", str(out))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"verify {out}: OK, {len(manifest['documents'])} documents")
    assert f"{len(truth)} reports" in proc.stdout and proc.stdout.count("\n") == 1


def test_the_warc_replays_the_stored_documents(crawled) -> None:
    db, out = crawled
    store = Store(db)
    try:
        stored = {r["provenance"]["document_url"]: r["provenance"] for r in store.reports.iter()}
        replayed = 0
        with (out / WARC).open("rb") as f:
            for record in ArchiveIterator(f, check_digests="raise"):
                if record.rec_type != "response":
                    continue
                prov = stored[record.rec_headers.get_header("WARC-Target-URI")]
                assert record.http_headers.get_statuscode() == str(prov["http_status"])
                assert record.http_headers.get_header("Content-Type") == prov["content_type"]
                assert record.rec_headers.get_header("WARC-Date") == prov["fetched_at"]
                assert record.content_stream().read() == store.documents.get(prov["sha256"])
                replayed += 1
    finally:
        store.close()
    assert replayed == len(stored)


def test_reports_in_three_formats_with_status_and_provenance(crawled) -> None:
    _, out = crawled
    jsonl = [json.loads(x) for x in (out / REPORTS["jsonl"]).read_text(encoding="utf-8").splitlines()]
    table = pq.read_table(out / REPORTS["parquet"])
    with (out / REPORTS["csv"]).open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert table.num_rows == len(rows) == len(jsonl) == 110
    for column in ("title", "year", "organ", "requests.new.total", "record.id", "record.status", "record.site",
                   "provenance.sha256", "provenance.document_url", "provenance.fetched_at"):
        assert column in table.column_names and column in rows[0], column
    assert table.column_names == list(rows[0])
    assert set(table.column("record.status").to_pylist()) == {"current"}
    assert [r["provenance"]["sha256"] for r in jsonl] == table.column("provenance.sha256").to_pylist()
    assert all((out / doc_path(r["provenance"]["sha256"])).is_file() for r in jsonl)


# ------------------------------------------------------------------ tampering
def _flip_byte(d: Path, m: dict[str, Any]) -> str:
    path = d / m["documents"][0]["path"]
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    return m["documents"][0]["path"]


def _delete_document(d: Path, m: dict[str, Any]) -> str:
    (d / m["documents"][1]["path"]).unlink()
    return m["documents"][1]["path"]


def _truncate_warc(d: Path, m: dict[str, Any]) -> str:
    path = d / WARC
    path.write_bytes(path.read_bytes()[: path.stat().st_size * 2 // 3])
    return WARC


def _edit_jsonl(d: Path, m: dict[str, Any]) -> str:
    path = d / REPORTS["jsonl"]
    rows = path.read_text(encoding="utf-8").splitlines()
    report = json.loads(rows[3])
    report["title"] += "（修订）"
    rows[3] = json.dumps(report, ensure_ascii=False)
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return REPORTS["jsonl"]


@pytest.mark.parametrize("tamper", [_flip_byte, _delete_document, _truncate_warc, _edit_jsonl])
def test_verify_catches_tampering(crawled, tmp_path: Path, tamper) -> None:
    _, out = crawled
    copy = tampered(out, tmp_path)
    name = tamper(copy, json.loads((copy / MANIFEST).read_text(encoding="utf-8")))
    proc = run_cli("dump", "--verify", str(copy))
    assert proc.returncode == 3, proc.stdout
    problems = lines(proc)
    assert problems[-1].startswith(f"verify {copy}: FAILED"), problems
    first = problems[0]
    assert first.startswith(f"nianbao: {copy}: {name}: "), problems
    assert proc.stdout == ""
    assert run_cli("dump", "--verify", str(out)).returncode == 0  # the original (and the store) untouched


def test_verify_of_something_that_is_not_a_dump(tmp_path: Path) -> None:
    proc = run_cli("dump", "--verify", str(tmp_path / "nothing"))
    assert proc.returncode == 3 and "no manifest.json" in lines(proc)[0]
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / MANIFEST).write_text("{}")
    proc = run_cli("dump", "--verify", str(tmp_path / "d"))
    assert proc.returncode == 3 and "format is not nianbao.dump/1" in lines(proc)[0]


def test_many_problems_are_capped(seeded, tmp_path: Path) -> None:
    store, _ = seeded
    out = tmp_path / "out"
    dump(store, out, copy=True)
    for i in range(30):
        (out / f"extra-{i}.txt").write_text("x")
    proc = run_cli("dump", "--verify", str(out))
    assert proc.returncode == 3
    assert len(lines(proc)) == 22 and lines(proc)[-2].endswith(": … and 10 more"), lines(proc)[-3:]


# ------------------------------------------------------------------ versions, failures, atomicity
def test_every_version_is_dumped_with_its_status(seeded, tmp_path: Path) -> None:
    store, ids = seeded
    with store.engine.begin() as conn:
        conn.execute(update(Report).where(Report.id == ids[0]).values(superseded_by=ids[1]))
        conn.execute(update(Report).where(Report.id == ids[2]).values(removed_at=datetime(2024, 6, 1, tzinfo=UTC)))
    out = tmp_path / "out"
    summary = dump(store, out)
    assert summary.reports == len(ids) and verify(out).problems == []
    status = {json.loads(x)["record"]["id"]: json.loads(x)["record"]
              for x in (out / REPORTS["jsonl"]).read_text(encoding="utf-8").splitlines()}
    assert status[ids[0]]["status"] == "superseded" and status[ids[0]]["superseded_by"] == ids[1]
    assert status[ids[2]]["status"] == "removed" and status[ids[2]]["removed_at"] == "2024-06-01T00:00:00Z"
    assert {status[i]["status"] for i in ids[3:]} | {status[ids[1]]["status"]} == {"current"}
    counts = json.loads((out / MANIFEST).read_text(encoding="utf-8"))["counts"]
    assert counts["reports_by_status"] == {"current": len(ids) - 2, "superseded": 1, "removed": 1}


def test_the_manifest_holds_provenance_and_the_recorded_response(seeded, tmp_path: Path) -> None:
    store, ids = seeded
    orphan = store.documents.put(b"bytes whose fetch is unknown", "text/plain")
    out = tmp_path / "out"
    dump(store, out, copy=True)
    docs = {d["sha256"]: d for d in json.loads((out / MANIFEST).read_text(encoding="utf-8"))["documents"]}
    assert docs[orphan]["reports"] == [] and docs[orphan]["response"] is None  # no record invented
    with_reports = [d for d in docs.values() if d["reports"]]
    assert sorted(r["report_id"] for d in with_reports for r in d["reports"]) == sorted(ids)
    for d in with_reports:
        (rep,) = d["reports"]
        assert rep["document_url"] == d["response"]["url"] and rep["http_status"] == 200
        assert rep["fetched_at"] == d["response"]["fetched_at"] and rep["discovery_path"]
        assert d["response"]["etag"].startswith('"v') and d["response"]["last_modified"].endswith("GMT")
        assert d["filename"].endswith(".txt") and (out / d["path"]).stat().st_nlink == 1  # --copy
    with (out / WARC).open("rb") as f:
        responses = [r for r in ArchiveIterator(f) if r.rec_type == "response"]
    assert len(responses) == len(ids)
    assert all(r.http_headers.get_header("ETag") and r.http_headers.get_header("Last-Modified") for r in responses)


def test_documents_are_hard_links_by_default(seeded, tmp_path: Path) -> None:
    store, _ = seeded
    out = tmp_path / "out"
    dump(store, out)
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    for d in manifest["documents"]:
        assert os.path.samefile(out / d["path"], store.documents.path(d["sha256"]))


def test_a_corrupt_store_document_fails_the_dump(seeded, tmp_path: Path) -> None:
    store, ids = seeded
    sha = next(r["provenance"]["sha256"] for r in store.reports.iter())
    path = store.documents.path(sha)
    path.write_bytes(path.read_bytes() + b"!")
    out = tmp_path / "out"
    proc = run_cli("dump", "--db", store.url, "--out", str(out))
    assert proc.returncode == 3
    assert lines(proc)[0].startswith(f"nianbao: document {sha}: corrupt in the store"), lines(proc)
    assert lines(proc)[-1] == "nianbao: dump not written: 1 problem(s)"
    assert not out.exists() and list(tmp_path.glob(".out.partial-*")) == []
    path.unlink()
    with pytest.raises(DumpError, match="missing from the store"):
        dump(store, out)


def test_a_killed_dump_never_looks_complete(seeded, tmp_path: Path) -> None:
    """SIGKILL in the middle (at the second document): nothing at DIR, --verify fails; a new dump works."""
    store, _ = seeded
    out = tmp_path / "out"
    script = ("import os, signal, sys; from storage.db import Store; from crawler.outputs.dump import dump\n"
              "def stop(line): os.kill(os.getpid(), signal.SIGKILL)\n"
              f"dump(Store({store.url!r}), sys.argv[1], progress=stop, every=2)\n")
    proc = subprocess.run([sys.executable, "-c", script, str(out)], cwd=ROOT, capture_output=True, timeout=120)
    assert proc.returncode == -9
    assert not out.exists() and len(list(tmp_path.glob(".out.partial-*"))) == 1
    assert run_cli("dump", "--verify", str(out)).returncode == 3
    (left,) = tmp_path.glob(".out.partial-*")
    proc = run_cli("dump", "--db", store.url, "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert verify(out).problems == []
    # the rerun removed what the killed one left, and said so
    assert list(tmp_path.glob(".out.partial-*")) == []
    assert f"nianbao: removed {left.name}, a partial dump left by a killed run (pid {proc_pid(left)} is gone" \
        in proc.stderr, proc.stderr


def proc_pid(partial: Path) -> int:
    return int(partial.name.split(".partial-")[1].split("-")[0])


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_stale_partials_go_and_live_ones_stay(seeded, tmp_path: Path) -> None:
    """Before writing, a dump removes its target's partials that no running dump owns (pid gone, lock free),
    and leaves a live process's partial, a locked one, and another target's."""
    import fcntl

    store, _ = seeded
    out = tmp_path / "out"

    def partial(name: str) -> Path:
        path = tmp_path / name
        (path / "documents").mkdir(parents=True)
        (path / "documents" / "x").write_bytes(b"x" * 1000)
        return path

    stale = partial(f".out.partial-{_dead_pid()}-0123456789ab")
    old_style = partial(".out.partial-0123456789ab")  # an earlier version's name: no pid, no lock
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        live = partial(f".out.partial-{sleeper.pid}-0123456789ab")
        locked = partial(f".out.partial-{_dead_pid()}-fedcba987654")
        other = partial(f".other.partial-{_dead_pid()}-0123456789ab")
        fd = os.open(locked, os.O_RDONLY)
        fcntl.flock(fd, fcntl.LOCK_EX)  # as a running dump holds its own
        try:
            proc = run_cli("dump", "--db", store.url, "--out", str(out), "--no-progress")
        finally:
            os.close(fd)
        assert proc.returncode == 0, proc.stderr
        assert verify(out).problems == []
        assert not stale.exists() and not old_style.exists()
        assert live.is_dir() and locked.is_dir() and other.is_dir()
        removed = [ln for ln in lines(proc) if ln.startswith("nianbao: removed ")]
        assert sorted(ln.split()[2].rstrip(",") for ln in removed) == sorted([stale.name, old_style.name])
        assert all("0.0 MB)" in ln for ln in removed)
    finally:
        sleeper.kill()
        sleeper.wait()


def test_dump_refuses_a_non_empty_directory_and_needs_out_or_verify(seeded, tmp_path: Path) -> None:
    store, _ = seeded
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    proc = run_cli("dump", "--db", store.url, "--out", str(tmp_path / "full"))
    assert proc.returncode == 2 and len(lines(proc)) == 1 and "not an empty directory" in proc.stderr
    (tmp_path / "empty").mkdir()
    assert run_cli("dump", "--db", store.url, "--out", str(tmp_path / "empty")).returncode == 0
    assert run_cli("dump", "--db", store.url).returncode == 2
    assert run_cli("dump", "--out", "a", "--verify", "b").returncode == 2


def test_an_empty_store_dumps_and_verifies(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "empty.db"))
    try:
        summary = dump(store, tmp_path / "out")
    finally:
        store.close()
    assert (summary.documents, summary.reports, summary.warc_records) == (0, 0, 0)
    assert verify(tmp_path / "out").problems == []


# ------------------------------------------------------------------ PostgreSQL
def test_a_postgresql_store_dumps_and_verifies(pg_database: str, tmp_path: Path) -> None:  # noqa: F811
    schema = f"dump_{secrets.token_hex(4)}"
    engine = create_engine(pg_database)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    store = Store(f"{pg_database}?options=-csearch_path%3D{schema}", tmp_path / "docs")
    try:
        ids = fill(store)
        summary = dump(store, tmp_path / "out")
    finally:
        store.close()
    assert summary.reports == len(ids) == summary.warc_records
    result = verify(tmp_path / "out")
    assert result.problems == [] and result.reports == len(ids)
    manifest = json.loads((tmp_path / "out" / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["source"]["backend"] == "postgresql"

