"""A release of the whole store that can be checked and replayed: `nianbao dump --out DIR`, `--verify DIR`.

Layout of DIR:

    manifest.json        format, counts, every document (sha256, size, provenance of each report from it,
                         the response its WARC record was built from) and every other file's sha256 and size
    reports.jsonl        every report version (current, superseded and removed), each with `record`
    reports.csv            (id, site, status current|superseded|removed, superseded_by, removed_at,
    reports.parquet         last_seen_at) beside its `provenance`; one file per export format
                           (crawler.outputs.formats), all holding the same rows
    documents/ab/<sha256> the raw documents, named by their sha256 (hard links into the store when the
                         filesystem allows, which is why they must never be edited in place; `--copy` copies)
    responses.warc.gz    one `response` record per document whose fetch is known (URL, time, status, and
                         ETag / Last-Modified when recorded), WARC-Payload-Digest = the document's sha256

The dump is built in a hidden sibling directory (`.DIR.partial-<pid>-<id>`, locked while the dump runs) and
renamed to DIR only when complete (manifest last), so a killed or failed dump never looks complete; the next
dump to DIR removes what a killed one left. The database is read as one snapshot of report and document
rows at the start, so a crawl writing meanwhile cannot make the files disagree.
"""

from __future__ import annotations

import base64
import csv
import errno
import fcntl
import glob
import gzip
import hashlib
import http
import io
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.outputs.export import export
from crawler.outputs.formats import FORMATS
from storage.db import Store
from storage.models import iso_z, report_status

log = logging.getLogger(__name__)
FORMAT = "nianbao.dump/1"
MANIFEST = "manifest.json"
REPORTS = {name: f"reports{f.suffix}" for name, f in FORMATS.items()}  # jsonl first: the others are made from it
WARC = "responses.warc.gz"
DOCS = "documents"
PROGRESS_EVERY = 500
CHUNK = 1 << 20


class DumpError(Exception):
    """The dump was not made; `problems` says why, one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems[0] if problems else "dump failed")
        self.problems = problems


@dataclass
class Summary:
    documents: int = 0
    bytes: int = 0
    reports: int = 0
    warc_records: int = 0
    files: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)


def doc_path(sha256: str) -> str:
    """A document's path inside the dump."""
    return f"{DOCS}/{sha256[:2]}/{sha256}"


def _sha256_file(path: Path) -> tuple[str, int]:
    h, n = hashlib.sha256(), 0
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
            n += len(chunk)
    return h.hexdigest(), n


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("nianbao")
    except PackageNotFoundError:
        return "unknown"


# ------------------------------------------------------------------ reading the store
def _snapshot(store: Store) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """The documents (by sha256) and, per document, its reports' record and provenance."""
    rows, doc_rows = store.reports.snapshot()
    reports: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        reports.setdefault(r["document_sha256"], []).append({
            "report_id": r["id"], "site": r["site"], "status": report_status(r["removed_at"], r["superseded_by"]),
            "superseded_by": r["superseded_by"], "removed_at": iso_z(r["removed_at"]),
            "last_seen_at": iso_z(r["last_seen_at"]), "organ": r["organ"], "region": r["region"], "year": r["year"],
            "title": r["title"], "page_url": r["page_url"], "document_url": r["document_url"],
            "fetched_at": iso_z(r["fetched_at"]), "http_status": r["http_status"],
            "content_type": r["content_type"], "discovery_path": r["discovery_path"] or []})
    docs = [{"sha256": d["sha256"], "size": d["size"], "content_type": d["content_type"],
             "filename": d["filename"], "first_seen_at": iso_z(d["first_seen_at"])} for d in doc_rows]
    return docs, reports


def _fetches(store: Store) -> dict[tuple[str, str | None], dict[str, Any]]:
    """The latest recorded fetch of each stored document, by (sha256, url) and by (sha256, None)."""
    out: dict[tuple[str, str | None], dict[str, Any]] = {}
    for r in store.runs.document_fetches():
        row = {"url": r["url"], "fetched_at": iso_z(r["fetched_at"]), "http_status": r["http_status"],
               "content_type": r["content_type"], "etag": r["etag"], "last_modified": r["last_modified"]}
        out[(r["sha256"], r["url"])] = out[(r["sha256"], None)] = row
    return out


def _response(doc: dict[str, Any], reports: list[dict[str, Any]],
              fetches: dict[tuple[str, str | None], dict[str, Any]]) -> dict[str, Any] | None:
    """What is known of the HTTP response that delivered these bytes, or None (then no WARC record)."""
    sha = doc["sha256"]
    if reports:
        rep = max(reports, key=lambda r: r["fetched_at"] or "")
        seen = fetches.get((sha, rep["document_url"])) or {}
        resp = {"url": rep["document_url"], "fetched_at": rep["fetched_at"], "http_status": rep["http_status"],
                "content_type": rep["content_type"] or doc["content_type"],
                "etag": seen.get("etag"), "last_modified": seen.get("last_modified")}
    else:
        resp = dict(fetches.get((sha, None)) or {})
    if not (resp.get("url") and resp.get("fetched_at") and resp.get("http_status")):
        return None
    return resp


def _in_snapshot(store: Store, records: dict[str, dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The store's report versions within the snapshot, each with its `record`."""
    for report in store.reports.iter(all_versions=True):
        rec = records.get(report["provenance"]["sha256"])
        if rec is None:
            continue  # stored after the snapshot
        body = {k: v for k, v in report.items() if k not in ("provenance", "record")}
        yield {**body, "record": rec, "provenance": report["provenance"]}


def _lines(path: Path) -> Iterator[dict[str, Any]]:
    """The reports of a JSON lines file: the other formats are made from reports.jsonl, so all agree."""
    with path.open(encoding="utf-8") as f:
        for line in f:
            yield json.loads(line)


# ------------------------------------------------------------------ writing
def _place(src: Path, dst: Path, data: bytes, link: list[bool]) -> None:
    """A hard link to the store's file when possible (link[0] turns False after a cross-device failure)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    if link[0]:
        try:
            os.link(src, dst)
            return
        except OSError as exc:
            if exc.errno in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
                link[0] = False
            else:
                raise
    with dst.open("xb") as f:
        f.write(data)


class _GzipMembers(WARCWriter):
    """WARC/1.1, one gzip member per record like warcio's own, at level 6: warcio's level 9 takes about three
    times as long on report documents for a file 1 % smaller."""

    def __init__(self, out: BinaryIO) -> None:
        self._buf = io.BytesIO()
        super().__init__(self._buf, gzip=False, warc_version="1.1")
        self._file = out

    def write_record(self, record: Any) -> None:
        super().write_record(record)
        self._file.write(gzip.compress(self._buf.getvalue(), compresslevel=6, mtime=0))
        self._buf.seek(0)
        self._buf.truncate()


def _warc_record(writer: WARCWriter, resp: dict[str, Any], data: bytes, digest: bytes) -> str:
    status = int(resp["http_status"])
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    headers = [("Content-Type", resp["content_type"])] if resp.get("content_type") else []
    headers += [(name, resp[key]) for name, key in (("ETag", "etag"), ("Last-Modified", "last_modified"))
                if resp.get(key)]
    headers.append(("Content-Length", str(len(data))))
    record_id = f"<urn:uuid:{uuid.uuid4()}>"
    record = writer.create_warc_record(
        resp["url"], "response", payload=io.BytesIO(data), length=len(data),
        http_headers=StatusAndHeaders(f"{status} {phrase}".strip(), headers, protocol="HTTP/1.1"),
        warc_headers_dict={"WARC-Record-ID": record_id, "WARC-Date": resp["fetched_at"],
                           "WARC-Payload-Digest": "sha256:" + base64.b32encode(digest).decode()})
    writer.write_record(record)
    return record_id


def _file_entry(root: Path, name: str, **extra: Any) -> dict[str, Any]:
    sha, size = _sha256_file(root / name)
    return {"path": name, "sha256": sha, "size": size, **extra}


def dump(store: Store, out: Path, *, copy: bool = False, progress: Callable[[str], None] | None = None,
         every: int = PROGRESS_EVERY, notice: Callable[[str], None] | None = None) -> Summary:
    """Write the dump to `out` (absent or empty, else FileExistsError). Raises DumpError (nothing written at
    `out`) when a document is missing from the store or its bytes no longer match its sha256. Partials that
    killed dumps of `out` left are removed first (`clean_partials`), each said to `notice` (default: the log)."""
    t0 = time.monotonic()
    out = Path(out)
    if out.is_symlink():  # the dump goes where the link points; renaming over the link would replace it
        out = Path(os.path.realpath(out))
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise FileExistsError(f"{out} exists and is not an empty directory")
    out.parent.mkdir(parents=True, exist_ok=True)
    for line in clean_partials(out):
        (notice or log.warning)(line)
    tmp = out.parent / f"{_partial_prefix(out)}{os.getpid()}-{uuid.uuid4().hex[:12]}"
    tmp.mkdir()
    owner: int | None = None
    try:
        owner = _own(tmp)
        summary = _write(store, tmp, copy=copy, progress=progress, every=every)
        if summary.problems:
            raise DumpError(summary.problems)
        if out.exists():
            out.rmdir()
        os.rename(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
        if owner is not None:
            os.close(owner)
    summary.seconds = time.monotonic() - t0
    return summary


def _partial_prefix(out: Path) -> str:
    return f".{out.name}.partial-"


def _own(directory: Path) -> int:
    """Hold an exclusive lock on the partial directory for as long as this dump runs (the kernel drops it when
    the process dies, however it dies); returns the descriptor to close at the end."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fd


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def clean_partials(out: Path) -> list[str]:
    """Remove what killed dumps of `out` left behind (`.<name>.partial-<pid>-<id>` beside it): a partial whose
    lock no process holds and whose pid is not running. One line per partial removed; a live dump's partial is
    never touched (a pid reused since is left too: never removed when in doubt)."""
    lines = []
    for path in sorted(out.parent.glob(f"{glob.escape(_partial_prefix(out))}*")):
        if path.is_symlink() or not path.is_dir():
            continue
        pid_text = path.name[len(_partial_prefix(out)):].split("-", 1)[0]
        pid = int(pid_text) if pid_text.isdigit() and "-" in path.name[len(_partial_prefix(out)):] else None
        if pid is not None and _alive(pid):
            continue
        try:
            fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a dump is writing it
            size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())
            shutil.rmtree(path, ignore_errors=True)
        finally:
            os.close(fd)
        who = f"pid {pid} is gone" if pid is not None else "no dump owns it"
        lines.append(f"removed {path.name}, a partial dump left by a killed run ({who}; {size / 1e6:.1f} MB)")
    return lines


def _write(store: Store, root: Path, *, copy: bool, progress: Callable[[str], None] | None,
           every: int) -> Summary:
    docs, reports = _snapshot(store)
    fetches = _fetches(store)
    summary = Summary()
    link = [not copy]
    entries: list[dict[str, Any]] = []
    with (root / WARC).open("wb") as warc_file:
        writer = _GzipMembers(warc_file)
        writer.write_record(writer.create_warcinfo_record(WARC, {
            "software": f"nianbao {_version()}", "format": "WARC File Format 1.1",
            "description": "responses that delivered the documents of a nianbao dump; bodies as stored "
                           "(content encodings removed), headers rebuilt from the recorded fetch"}))
        for i, doc in enumerate(docs, 1):
            sha = doc["sha256"]
            src = store.documents.path(sha)
            try:
                data = src.read_bytes()
            except OSError as exc:
                summary.problems.append(f"document {sha}: missing from the store ({exc.strerror}: {src})")
                continue
            digest = hashlib.sha256(data).digest()
            if digest.hex() != sha:
                summary.problems.append(f"document {sha}: corrupt in the store, its bytes hash to "
                                        f"{digest.hex()} ({src})")
                continue
            _place(src, root / doc_path(sha), data, link)
            own = reports.get(sha, [])
            resp = _response(doc, own, fetches)
            if resp is not None:
                resp["warc_record_id"] = _warc_record(writer, resp, data, digest)
                summary.warc_records += 1
            entries.append({**doc, "size": len(data), "path": doc_path(sha), "reports": own, "response": resp})
            summary.documents += 1
            summary.bytes += len(data)
            if progress and i % every == 0:
                progress(f"dump: {i}/{len(docs)} documents ({summary.bytes / 1e6:.1f} MB)")
    if summary.problems:
        return summary

    records = {sha: {"id": r["report_id"], "site": r["site"], "status": r["status"],
                     "superseded_by": r["superseded_by"], "removed_at": r["removed_at"],
                     "last_seen_at": r["last_seen_at"]}
               for sha, rs in reports.items() for r in rs}
    if progress and len(docs) >= every:
        progress(f"dump: writing {len(records)} reports as JSON lines, CSV and Parquet")
    jsonl = root / REPORTS["jsonl"]
    rows = {"jsonl": export(lambda: _in_snapshot(store, records), "jsonl", jsonl)}
    for fmt in REPORTS:
        if fmt != "jsonl":
            rows[fmt] = export(lambda: _lines(jsonl), fmt, root / REPORTS[fmt])
    summary.reports = rows["jsonl"]
    if len(set(rows.values())) != 1 or summary.reports != len(records):
        summary.problems.append(f"reports: {rows} rows written for {len(records)} reports in the snapshot")
        return summary

    statuses = {s: sum(1 for r in records.values() if r["status"] == s) for s in ("current", "superseded", "removed")}
    files = [_file_entry(root, name, rows=rows[fmt]) for fmt, name in REPORTS.items()]
    files.append(_file_entry(root, WARC, records=summary.warc_records))
    summary.files = len(files) + 1
    manifest = {
        "format": FORMAT, "created_at": iso_z(datetime.now(UTC)), "nianbao_version": _version(),
        "source": {"backend": "sqlite" if store.db.is_sqlite else store.engine.dialect.name},
        "reports_included": "every version: record.status is current, superseded or removed",
        "counts": {"documents": summary.documents, "document_bytes": summary.bytes, "reports": summary.reports,
                   "reports_by_status": statuses, "warc_records": summary.warc_records},
        "files": files, "documents": entries,
    }
    _write_manifest(root / MANIFEST, manifest)
    return summary


def _write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    """Readable JSON: the header indented, one line per file and per document; fsynced, written last."""
    head = {k: v for k, v in manifest.items() if k not in ("files", "documents")}
    text = json.dumps(head, ensure_ascii=False, indent=1)[:-2]
    for key in ("files", "documents"):
        items = ",\n  ".join(json.dumps(x, ensure_ascii=False) for x in manifest[key])
        text += f',\n "{key}": [\n  {items}\n ]' if items else f',\n "{key}": []'
    with path.open("w", encoding="utf-8") as f:
        f.write(text + "\n}\n")
        f.flush()
        os.fsync(f.fileno())


# ------------------------------------------------------------------ verifying
def verify(root: Path) -> Summary:
    """Check a dump against its manifest; `problems` holds one line per problem (empty when it is sound)."""
    root = Path(root)
    s = Summary()
    problems = s.problems
    try:
        manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(f"no {MANIFEST}: not a dump, or an incomplete one")
        return s
    except (OSError, ValueError) as exc:
        problems.append(f"{MANIFEST}: unreadable: {exc}")
        return s
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        problems.append(f"{MANIFEST}: format is not {FORMAT}")
        return s
    counts = manifest.get("counts") or {}
    docs = {d["sha256"]: d for d in manifest.get("documents") or []}
    files = {f["path"]: f for f in manifest.get("files") or []}
    report_ids = {r["report_id"] for d in docs.values() for r in d.get("reports") or []}
    expected = {MANIFEST, *files, *(d["path"] for d in docs.values())}
    if len(docs) != counts.get("documents") or len(report_ids) != counts.get("reports"):
        problems.append(f"{MANIFEST}: lists {len(docs)} documents and {len(report_ids)} reports but counts "
                        f"{counts.get('documents')} and {counts.get('reports')}")

    for dirpath, _, names in os.walk(root):
        for name in names:
            rel = (Path(dirpath) / name).relative_to(root).as_posix()
            if rel not in expected:
                problems.append(f"{rel}: not in the manifest")
    for rel, f in files.items():
        _check_file(root, rel, f["sha256"], f["size"], problems)
    present: set[str] = set()
    for sha, d in docs.items():
        if d["path"] != doc_path(sha):
            problems.append(f"{d['path']}: named other than its sha256 {sha}")
        if _check_file(root, d["path"], sha, d["size"], problems, what="document"):
            present.add(sha)
            s.documents += 1
            s.bytes += d["size"]
    s.files = len(files) + 1

    rows = _check_reports(root, files, docs, report_ids, present, problems)
    if rows is not None:
        s.reports = rows
    s.warc_records = _check_warc(root, docs, counts.get("warc_records"), problems)
    return s


def _check_file(root: Path, rel: str, sha: str, size: int, problems: list[str], what: str = "file") -> bool:
    path = root / rel
    if not path.is_file():
        problems.append(f"{rel}: {what} missing")
        return False
    got_sha, got_size = _sha256_file(path)
    if got_size != size:
        problems.append(f"{rel}: {got_size} bytes, the manifest says {size}")
        return False
    if got_sha != sha:
        problems.append(f"{rel}: sha256 is {got_sha}, the manifest says {sha}")
        return False
    return True


def _check_reports(root: Path, files: dict[str, Any], docs: dict[str, Any], report_ids: set[int],
                   present: set[str], problems: list[str]) -> int | None:
    """Row counts of the report files (one per export format) equal to each other and to the manifest; each
    report's document present; returns the JSON lines count."""
    missing = [name for name in REPORTS.values() if name not in files]
    if missing:
        problems.append(f"{MANIFEST}: does not list {', '.join(missing)}")
    counts: dict[str, int] = {}
    ids: set[int] = set()
    n = 0
    try:
        with (root / REPORTS["jsonl"]).open(encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                try:
                    report = json.loads(line)
                    sha, rid = report["provenance"]["sha256"], report["record"]["id"]
                except (ValueError, KeyError, TypeError) as exc:
                    problems.append(f"{REPORTS['jsonl']}:{n}: not a report line ({type(exc).__name__}: {exc})")
                    continue
                ids.add(rid)
                if sha not in docs:
                    problems.append(f"{REPORTS['jsonl']}:{n}: report {rid}'s document {sha} is not in the manifest")
                elif sha not in present:
                    problems.append(f"{REPORTS['jsonl']}:{n}: report {rid}'s document {sha} is missing or damaged")
        counts["jsonl"] = n
        if ids != report_ids:
            problems.append(f"{REPORTS['jsonl']}: {len(ids - report_ids)} report ids not in the manifest, "
                            f"{len(report_ids - ids)} missing")
        for fmt, name in REPORTS.items():
            if fmt != "jsonl":
                counts[fmt] = FORMATS[fmt].count(root / name)
    except FileNotFoundError:
        return None  # reported above as missing
    except (OSError, ValueError, csv.Error) as exc:
        problems.append(f"reports: unreadable: {type(exc).__name__}: {exc}")
        return None
    want = len(report_ids)
    for fmt, n in counts.items():
        if n != want:
            problems.append(f"{REPORTS[fmt]}: {n} rows, the manifest has {want} reports")
    return counts.get("jsonl")


def _check_warc(root: Path, docs: dict[str, Any], want: int | None, problems: list[str]) -> int:
    """Every response record readable, its digest sound, its payload a manifest document fetched from its URI."""
    by_record = {d["response"]["warc_record_id"]: d for d in docs.values() if d.get("response")}
    seen: set[str] = set()
    n = 0
    try:
        with (root / WARC).open("rb") as f:
            for record in ArchiveIterator(f, check_digests=True):
                if record.rec_type != "response":
                    record.content_stream().read()
                    continue
                n += 1
                rid = record.rec_headers.get_header("WARC-Record-ID")
                uri = record.rec_headers.get_header("WARC-Target-URI")
                body = record.raw_stream.read()
                sha = hashlib.sha256(body).hexdigest()
                doc = by_record.get(rid)
                if record.digest_checker.passed is False:
                    problems.append(f"{WARC}: record for {uri}: {'; '.join(record.digest_checker.problems)}")
                elif doc is None:
                    problems.append(f"{WARC}: record {rid} for {uri} is not in the manifest")
                elif len(body) != doc["size"]:
                    problems.append(f"{WARC}: record for {uri}: body is {len(body)} bytes, document {doc['sha256']} "
                                    f"{doc['size']} (cut short?)")
                elif sha != doc["sha256"] or uri != doc["response"]["url"]:
                    problems.append(f"{WARC}: record for {uri}: body sha256 {sha} is not document {doc['sha256']}"
                                    f" from {doc['response']['url']}")
                else:
                    seen.add(rid)
    except FileNotFoundError:
        return n  # reported as missing by the file check
    except Exception as exc:  # a truncated or damaged gzip member surfaces as several exception types
        problems.append(f"{WARC}: unreadable after {n} response records: {type(exc).__name__}: {exc}")
        return n
    if want is not None and n != want:
        problems.append(f"{WARC}: {n} response records, the manifest says {want}")
    lost = len(set(by_record) - seen)
    if lost and n == want:
        problems.append(f"{WARC}: {lost} documents' response records missing or wrong")
    return n


def limited(problems: list[str], limit: int = 20) -> list[str]:
    """At most `limit` lines, then '… and K more'."""
    if len(problems) <= limit:
        return list(problems)
    return problems[:limit] + [f"… and {len(problems) - limit} more"]
