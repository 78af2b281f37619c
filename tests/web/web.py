"""The imitation web: local county government sites of several CMS families, served on 127.0.0.1 only.

Crawler tests and `nianbao demo` crawl these instead of the real sites:

    with build_web(seed=0) as web:
        for site in web.sites:          # SiteTruth: what a crawler should find there
            crawl(site.start_url)       # then compare with site.reports / site.status
        web.requests                    # (time, host, method, target) of every request served

Each site runs its own threaded HTTP server on an OS-chosen port (a separate one for a site's attachment
host). Sites are data (`SITES`, one `SiteSpec` each); their family's URL scheme and markup live in
tests/web/families/. Reports come from tests/web/render.py; PDF and DOC attachments are
converted by LibreOffice once, in one batch call per format, and cached under `cache_dir`.

`python -m tests.web.web` serves the default web until Ctrl-C. tests/web/random_web.py draws a web that varies
(`build_random_web(seed, n)`: each site a random variant of its family, from tests/web/variants/).
"""

from __future__ import annotations

import argparse
import datetime as dt
import email.utils
import hashlib
import io
import json
import os
import random
import socket
import sys
import tempfile
import threading
import time
import traceback
import zipfile
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from .families import FAMILIES
from .families.base import ERROR_500, SCAN_EXT, Entry, Family, Req, Resp, SiteSpec, ext_of
from .render import _SYL1, _SYL2, convert_with_libreoffice, expected, random_report, to_docx
from .scans import draw_scan, publish
from .variants import VARIANTS
from .variants.base import ListPage

GENERATOR_VERSION = "web-1"  # bump when generated content changes: it names the cache directory

ROBOTS_ALL = "User-agent: *\nDisallow: /\n"

# One site per family, each its own county; then the sites a crawler must report as not crawlable.
SITES: tuple[SiteSpec, ...] = (
    SiteSpec("jingchuan", "泾川县", "static", departments=("教育局", "民政局", "交通运输局"),
             townships=("城关镇", "玉都镇", "高平镇"), forms=(("docx", 1),), page_size=6, cut=18, title_attr="mixed",
             soft404=True, robots=None),
    SiteSpec("xixia", "西峡县", "trs", departments=("教育局", "财政局", "自然资源局"), townships=("丁河镇", "五里桥镇"),
             forms=(("pdf", 2), ("imgpage", 1)), nb_label="信息公开年报"),
    SiteSpec("huangchuan", "潢川县", "hanweb", departments=("教育体育局", "卫生健康委员会"),
             townships=("卜塔集镇", "春申街道办事处"), forms=(("pdf", 1), ("scan", 1)), page_size=4, disposition="gbk"),
    SiteSpec("anji", "安吉县", "jpaas", departments=("教育局", "市场监督管理局"), townships=("递铺街道办事处", "孝丰镇"),
             forms=(("docx", 1),), page_size=15, gk_label="政府信息公开", title_attr="none"),
    SiteSpec("longmen", "龙门县", "gkmlpt", departments=("财政局", "农业农村局"), townships=("龙城街道办事处", "永汉镇"),
             forms=(("pdf", 1),), page_size=10),
    SiteSpec("taihe", "太和县", "lonsun", departments=("教育局", "司法局"), townships=("城关镇", "旧县镇"),
             forms=(("docx", 1), ("longimg", 1)), page_size=10, nb_label="政府信息公开工作年度报告"),
    SiteSpec("ningxian", "宁县", "aspnet", encoding="gbk", gov_organ="{county}",
             departments=("教育局", "人力资源和社会保障局"), townships=("新宁镇", "早胜镇"),
             forms=(("doc", 1), ("docx", 1)), cut=20, title_attr="aspnet", disposition="gbk", fail_once_page=2),
    SiteSpec("sheqi", "社旗县", "henan", encoding="gb2312", header_charset=False,
             departments=("教育局", "住房和城乡建设局"), townships=("赊店镇", "桥头镇"), forms=(("pdf", 2), ("doc", 1)),
             disposition="gbk", octet_stream=True, attachment_host=True, slow_article=2.0, decorated=2),
    SiteSpec("lingtai", "灵台县", "pdfviewer", departments=("水利局",), townships=("中台镇",), forms=(("pdf", 1), ("mixed", 1)),
             nb_label="公开年报"),
    SiteSpec("kangle", "康乐县", "spa", departments=("统计局",), townships=("附城镇",), robots=None),
    SiteSpec("gushi", "固始县", "waf", status="blocked", robots=None, column=False),
    SiteSpec("huaibin", "淮滨县", "refused", status="dead", column=False),
    SiteSpec("luoshan", "罗山县", "down", status="dead", robots=None, column=False),
    SiteSpec("xichuan", "淅川县", "static", status="robots", robots=ROBOTS_ALL),
    SiteSpec("neixiang", "内乡县", "static", status="no_column", column=False, departments=(), townships=()),
)
OK_FAMILIES = ("static", "trs", "hanweb", "jpaas", "gkmlpt", "lonsun", "aspnet", "henan", "pdfviewer", "spa")

# Column items that are not annual reports: (title, the year {y} it names and the year it is published in,
# both as offsets from the newest report year, month, day)
DECOYS: tuple[tuple[str, int, int, int, int], ...] = (
    ("关于做好{y}年政府信息公开工作年度报告编制工作的通知", -1, -1, 12, 10),
    ("{county}{y}年法治政府建设年度报告", -1, 0, 3, 3),
    ("{county}{y}年政务公开工作要点", 0, 0, 4, 8),
    ("{county}政府信息公开指南", 0, 0, 6, 1),
    ("{county}人民政府办公室{y}年部门预算公开", 0, 0, 2, 10),
    ("{county}{y}年国民经济和社会发展统计公报", -1, 0, 4, 15),
)
HTML_QUIRKS = ("typos", "numbering_variants", "spaced_words", "wrapped_labels", "dash_zeros", "thousands", "fullwidth",
               "units", "title_linebreak", "title_decoration")
OFFICE_QUIRKS = ("typos", "numbering_variants", "dash_zeros", "thousands", "title_linebreak")  # PDF/DOC via LibreOffice


@dataclass
class ExpectedReport:
    """A report a crawler must collect: where it is listed and which document holds its numbers.

    `document_url` is the URL whose bytes are the document (after redirects; the page itself when the report
    is inline HTML); `report` is what the parser should make of those bytes (schema object without checks).
    """

    title: str
    organ: str
    year: int
    page_url: str
    document_url: str
    form: str  # html, pdf, doc, docx, or a scanned form (scan, mixed, longimg, imgpage: tests/web/scans.py)
    report: dict[str, Any]
    images: list[str] = field(default_factory=list)  # imgpage: the page images' URLs, in page order
    scan: tuple[int, tuple[str, ...]] = (0, ())  # scanned forms: (dpi, degradations)

    @property
    def ext(self) -> str:
        return ext_of(self.form)

    @property
    def ocr(self) -> bool:
        """Read by OCR: its numbers may be null where a check says the scan could not be read."""
        return self.form in SCAN_EXT


@dataclass
class SiteTruth:
    """One site and what a crawler should conclude about it (`status`: ok, blocked, dead, no_column, robots)."""

    name: str
    family: str
    start_url: str
    status: str
    reports: list[ExpectedReport]
    decoy_titles: list[str]
    attachment_host: str | None
    slug: str = ""
    variant: dict[str, Any] = field(default_factory=dict)  # what was drawn for a random web's site (build_random_web)
    lists: list[ListPage] = field(default_factory=list)  # every list page / API page the site announces (random web)


# ---------------------------------------------------------------- content
def family_class(spec: SiteSpec) -> type[Family]:
    """The class that builds a site: its family's variant class when the site was drawn with a variant."""
    return VARIANTS[spec.family] if spec.variant is not None else FAMILIES[spec.family]


def _date(rng: random.Random, year: int, first: int, last: int) -> dt.date:
    """A day `first`..`last` days into `year`."""
    return dt.date(year, 1, 1) + dt.timedelta(days=rng.randint(first, last))


def make_entries(spec: SiteSpec, rng: random.Random) -> list[Entry]:
    """The 年报 column of one site, newest first: the government's reports for every year, some of its
    departments' and townships' (department reports by 31 January, governments' by 31 March), and decoys."""
    if not spec.column:
        return []
    county, years = spec.county, spec.years
    low, high = family_class(spec).id_range
    ids: set[int] = set()

    def entry(title: str, date: dt.date, section: str, report: dict[str, Any] | None = None) -> Entry:
        i = rng.randint(low, high)
        while i in ids:
            i = rng.randint(low, high)
        ids.add(i)
        return Entry(i, report["title"] if report else title, date, section, report)

    def report(organ: str, year: int, section: str, last_day: int) -> Entry:
        template = "2021" if year >= 2021 else "2019"
        r = random_report(rng, template, organ=organ, region=county, year=year,
                          single_other=template == "2021" and rng.random() < 0.3)
        return entry("", _date(rng, year + 1, 4, last_day), section, r)

    entries = [report(spec.gov_organ.format(county=county), y, "gov", 89) for y in years]
    for dept in spec.departments:
        entries += [report(county + dept, y, "bm", 30) for y in sorted(rng.sample(years[-3:], rng.randint(1, 2)))]
    entries += [report(county + town, rng.choice(years[-3:]), "xz", 30) for town in spec.townships]
    reports = list(entries)
    for title, named, published, month, day in DECOYS:
        date = dt.date(years[-1] + published, month, day) + dt.timedelta(days=rng.randint(0, 9))
        entries.append(entry(title.format(county=county, y=years[-1] + named), date, "decoy"))
    html_reports = list(reports)
    for form, n in spec.forms:
        for e in rng.sample(html_reports, n):
            e.form = form
            html_reports.remove(e)
    for e in rng.sample(html_reports, min(spec.decorated, len(html_reports))):
        e.decorated = True
    for e in reports:
        if e.form in SCAN_EXT:  # drawn apart, so that a web without scans (build_web) is otherwise the same
            r = random.Random(f"{e.id}:{e.form}")
            e.scan = draw_scan(r)
            e.decorated = e.form == "imgpage" and r.random() < 0.6
    for e in reports:
        e.quirks = _quirks(rng, e, spec)
    return sorted(entries, key=lambda e: (e.date, e.id), reverse=True)


def without_scans(entries: list[Entry]) -> list[Entry]:
    """The entries with their scanned reports published as text instead (an image page as HTML, the rest as
    PDF): for crawls whose point is not OCR, which costs seconds of CPU a page."""
    for e in entries:
        if e.form in SCAN_EXT:
            e.form, e.scan = ("html" if e.form == "imgpage" else "pdf"), (0, ())
    return entries


def _quirks(rng: random.Random, e: Entry, spec: SiteSpec) -> frozenset[str]:
    """A few rendering quirks; fewer for documents that go through LibreOffice."""
    assert e.report is not None
    office = e.form in ("pdf", "doc")
    pool = OFFICE_QUIRKS if office else HTML_QUIRKS
    q = set(rng.sample(pool, rng.randint(0, 1 if office else 3))) if e.form not in SCAN_EXT else set()
    req = e.report["requests"]
    single = e.report["template"] == "2021" and not any(
        v for k in ("other_no_correction", "other_unpaid_fee") for v in req[k].values())
    if single and rng.random() < 0.7:
        q.add("single_other")
    if e.form == "html" and spec.encoding == "utf-8" and rng.random() < 0.15:
        q.add("no_meta_charset")
    return frozenset(q)


def _extra_specs(seed: int, n: int) -> list[SiteSpec]:
    """`n` more ordinary sites cycling through the families, with invented counties and no LibreOffice documents."""
    rng = random.Random(f"{seed}:extra")
    used = {s.county for s in SITES}
    out: list[SiteSpec] = []
    while len(out) < n:
        county = rng.choice(_SYL1) + rng.choice(_SYL2) + (rng.choice(_SYL1) if rng.random() < 0.3 else "") + "县"
        if county in used:
            continue
        used.add(county)
        family = OK_FAMILIES[len(out) % len(OK_FAMILIES)]
        out.append(SiteSpec(f"extra{len(out):04d}", county, family, forms=(("docx", 1),),
                            robots=None if family == "spa" else SiteSpec.robots))
    return out


# ---------------------------------------------------------------- documents (LibreOffice, cached)
_MEMO: dict[Path, bytes] = {}
_MEMO_LOCK = threading.Lock()


def default_cache_dir(seed: int) -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "nianbao" / "imitation" / hashlib.sha256(f"{seed}:{GENERATOR_VERSION}".encode()).hexdigest()[:16]


def _read(path: Path) -> bytes | None:
    with _MEMO_LOCK:
        if path in _MEMO:
            return _MEMO[path]
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    with _MEMO_LOCK:
        _MEMO[path] = data
    return data


def _keep(src: Path, path: Path) -> bytes:
    """Move `src` to `path` atomically (two builds may race) and remember its bytes."""
    os.replace(src, path)
    data = path.read_bytes()
    with _MEMO_LOCK:
        _MEMO[path] = data
    return data


def fill_documents(entries: list[Entry], cache: Path) -> None:
    """Give every attachment entry its bytes: DOCX from render.to_docx, PDF/DOC converted from it by one
    LibreOffice batch per format (both formats at once), scanned forms made from the PDF (tests/web/scans.py).
    Everything is cached by content under `cache`."""
    cache.mkdir(parents=True, exist_ok=True)
    todo: dict[str, dict[Path, list[Entry]]] = {}
    scanned: list[tuple[Entry, Entry, Path]] = []  # (entry, the PDF it is scanned from, its cache file)
    for e in entries:
        if e.report is None or e.form == "html":
            continue
        blob = json.dumps([GENERATOR_VERSION, e.report, sorted(e.quirks)], ensure_ascii=False, sort_keys=True)
        key = hashlib.sha256(blob.encode()).hexdigest()[:24]
        if e.form in SCAN_EXT:
            dpi, kinds = e.scan
            path = cache / f"{key}.{e.form}-{dpi}-{'-'.join(kinds) or 'clean'}.zip"
            files = _read(path)
            if files is not None:
                _unpack(e, files)
                continue
            source = replace(e, form="pdf")
            scanned.append((e, source, path))
            e = source
        data = _read(cache / f"{key}.{e.form}")
        if data is None:
            src = cache / f"{key}.docx"
            if _read(src) is None:
                with tempfile.NamedTemporaryFile(dir=cache, suffix=".part", delete=False) as f:
                    f.write(to_docx(e.report, e.quirks))
                _keep(Path(f.name), src)
            if e.form != "docx":
                todo.setdefault(e.form, {}).setdefault(src, []).append(e)
                continue
            data = _read(src)
        assert data is not None
        e.doc = data
    if todo:
        with tempfile.TemporaryDirectory(dir=cache) as tmp, ThreadPoolExecutor(len(todo)) as pool:
            jobs = {fmt: pool.submit(convert_with_libreoffice, list(srcs), fmt, Path(tmp) / fmt) for fmt, srcs in todo.items()}
            for fmt, srcs in todo.items():
                for out, waiting in zip(jobs[fmt].result(), srcs.values(), strict=True):
                    data = _keep(out, cache / out.name)
                    for e in waiting:
                        e.doc = data
    for e, source, path in scanned:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            for n, body in enumerate(publish(source.doc, e.form, *e.scan, random.Random(f"{e.id}:scan")), start=1):
                z.writestr(f"{n:03d}", body)
        with tempfile.NamedTemporaryFile(dir=cache, suffix=".part", delete=False) as f:
            f.write(buf.getvalue())
        _unpack(e, _keep(Path(f.name), path))


def _unpack(e: Entry, files: bytes) -> None:
    """A scanned entry's published files from their cached zip: the document, or the page images."""
    with zipfile.ZipFile(io.BytesIO(files)) as z:
        bodies = tuple(z.read(n) for n in sorted(z.namelist()))
    if e.form == "imgpage":
        e.pages = bodies
    else:
        (e.doc,) = bodies


# ---------------------------------------------------------------- serving
class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, web: ImitationWeb) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.web = web
        self.netloc = f"127.0.0.1:{self.server_address[1]}"
        self.respond: Any = None  # Callable[[Req], Resp], set once the site is built


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30
    server: _Server

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_HEAD = do_PUT = do_DELETE = do_OPTIONS = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _serve(self) -> None:
        srv = self.server
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        srv.web._log(srv.netloc, self.command, self.path)
        split = urlsplit(self.path)
        form = {}
        if "x-www-form-urlencoded" in (self.headers.get("Content-Type") or ""):
            form = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        req = Req(self.command, self.path, unquote(split.path), dict(parse_qsl(split.query, keep_blank_values=True)),
                  {k.lower(): v for k, v in self.headers.items()}, form, raw)
        try:
            resp: Resp = srv.respond(req)
        except Exception:
            traceback.print_exc()
            resp = Resp(500, ERROR_500, "text/html; charset=iso-8859-1")
        delay = srv.web.latency + resp.delay
        if delay > 0:
            time.sleep(delay)
        validators: list[tuple[str, str]] = []
        if resp.status == 200 and self.command in ("GET", "HEAD") and getattr(srv.respond, "__self__", None) \
                and getattr(srv.respond.__self__, "validators", False):
            etag, modified = srv.web.validators(srv.netloc, self.path, resp.body)
            validators = [("ETag", etag), ("Last-Modified", email.utils.format_datetime(modified, usegmt=True))]
            if _not_modified(req.headers, etag, modified):
                srv.web.not_modified += 1
                self.send_response_only(304)
                self.send_header("Date", self.date_time_string())
                for name, value in validators:
                    self.send_header(name, value)
                self.end_headers()
                return
        self.send_response_only(resp.status)
        self.send_header("Date", self.date_time_string())
        self.send_header("Content-Type", resp.ctype)
        self.send_header("Content-Length", str(len(resp.body)))
        for name, value in [*resp.headers, *validators]:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(resp.body)
            srv.web.bytes_sent += len(resp.body)


def _not_modified(headers: dict[str, str], etag: str, modified: dt.datetime) -> bool:
    """RFC 9110: If-None-Match wins over If-Modified-Since."""
    if "if-none-match" in headers:
        return etag in [t.strip() for t in headers["if-none-match"].split(",")] or headers["if-none-match"] == "*"
    since = headers.get("if-modified-since")
    if since:
        try:
            return modified <= email.utils.parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


class ImitationWeb:
    """The running sites. Built (ports bound, truth known) by `build_web`; serving between start() and stop()."""

    def __init__(self, latency: float = 0.0, seed: int | None = None) -> None:
        self.latency = latency
        self.seed = seed  # what the web was drawn from (build_web, build_random_web)
        self.sites: list[SiteTruth] = []
        self.families: dict[str, Family] = {}  # by slug, for tests that need a family's ids
        self.requests: list[tuple[float, str, str, str]] = []
        self._lock = threading.Lock()
        self._servers: list[_Server] = []
        self._threads: list[threading.Thread] = []
        self._closed: list[socket.socket] = []
        self._built: dict[str, tuple[SiteSpec, str, _Server | None, _Server | None]] = {}
        self._versions: dict[tuple[str, str], tuple[str, dt.datetime]] = {}  # (netloc, target) → ETag, Last-Modified
        self.epoch = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=30)
        self.not_modified = 0  # 304 answers given
        self.bytes_sent = 0  # response bodies sent

    def validators(self, netloc: str, target: str, body: bytes) -> tuple[str, dt.datetime]:
        """The ETag of these bytes and when they last changed at this URL (the web's epoch at first)."""
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        with self._lock:
            known = self._versions.get((netloc, target))
            if known is None or known[0] != etag:
                when = self.epoch if known is None else dt.datetime.now(dt.UTC).replace(microsecond=0)
                known = self._versions[(netloc, target)] = (etag, when)
        return known

    def _log(self, host: str, method: str, target: str) -> None:
        with self._lock:
            self.requests.append((time.time(), host, method, target))

    def _server(self) -> _Server:
        srv = _Server(self)
        self._servers.append(srv)
        return srv

    def add(self, spec: SiteSpec, entries: list[Entry]) -> SiteTruth:
        """Bind the site's server(s), build its pages and record what a crawler should find."""
        attach = None
        if spec.family == "refused":  # a bound socket that never listens: connections are refused
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            self._closed.append(sock)
            origin = f"http://127.0.0.1:{sock.getsockname()[1]}"
            family = Family(spec, origin, entries)
        else:
            srv = self._server()
            if spec.attachment_host:
                attach = self._server()
            origin = f"http://{srv.netloc}"
            family = family_class(spec)(spec, origin, entries, f"http://{attach.netloc}" if attach else None)
            family.build()
            srv.respond = family.respond
            if attach:
                attach.respond = family.respond_attach
            self._built[spec.slug] = (spec, origin, srv, attach)
        self.families[spec.slug] = family
        truth = SiteTruth(spec.county, spec.family, origin + "/", spec.status, self._truth(spec, family),
                          [e.title for e in entries if e.report is None], attach.netloc if attach else None, spec.slug,
                          dict(spec.variant or {}), list(getattr(family, "list_pages", [])))
        self.sites.append(truth)
        return truth

    @staticmethod
    def _truth(spec: SiteSpec, family: Family) -> list[ExpectedReport]:
        if spec.status != "ok" or not spec.column:
            return []
        return [ExpectedReport(e.report["title"], e.report["organ"], e.report["year"], family.page_urls[e.id],
                               family.doc_urls[e.id], e.form, expected(e.report, e.quirks),
                               family.image_urls.get(e.id, []), e.scan)
                for e in family.entries if e.report is not None]

    # ---------------------------------------------------------------- changes, as counties make them
    def rebuild(self, key: str, entries: list[Entry] | None = None, **spec_changes: Any) -> SiteTruth:
        """Rebuild a site from (changed) entries and spec fields, as its CMS republishes; returns its new truth."""
        truth = self.site(key)
        spec, origin, srv, attach = self._built[truth.slug]
        spec = replace(spec, **spec_changes)
        old = self.families[truth.slug]
        family = family_class(spec)(spec, origin, list(old.entries if entries is None else entries),
                                       f"http://{attach.netloc}" if attach else None)
        family.build()
        assert srv is not None
        srv.respond = family.respond
        if attach:
            attach.respond = family.respond_attach
        self._built[truth.slug] = (spec, origin, srv, attach)
        self.families[truth.slug] = family
        truth.reports = self._truth(spec, family)
        truth.lists = list(getattr(family, "list_pages", []))
        return truth

    def publish(self, key: str, organ_suffix: str = "审计局", seed: int = 1) -> ExpectedReport:
        """A county publishes a new (HTML) report: a department's, for the newest year, at the top of its column."""
        truth = self.site(key)
        family = self.families[truth.slug]
        spec = family.spec
        rng = random.Random(f"publish:{seed}:{truth.slug}")
        year = spec.years[-1]
        report = random_report(rng, "2021", organ=spec.county + organ_suffix, region=spec.county, year=year)
        ids = {e.id for e in family.entries}
        low, high = family_class(spec).id_range
        new_id = next(i for i in (rng.randint(low, high) for _ in range(1000)) if i not in ids)
        newest = max(e.date for e in family.entries)
        entry = Entry(new_id, report["title"], newest + dt.timedelta(days=1), "bm", report)
        truth = self.rebuild(key, [entry, *family.entries])
        return next(r for r in truth.reports if r.title == report["title"])

    def revise(self, key: str, title: str) -> ExpectedReport:
        """A county quietly corrects a report: same page, same organ and year, different numbers (and bytes)."""
        truth = self.site(key)
        family = self.families[truth.slug]
        entry = next(e for e in family.entries if e.report is not None and e.report["title"] == title)
        if entry.form not in ("html", "docx"):
            raise ValueError(f"revise() rewrites HTML and DOCX reports, not {entry.form}")
        report = json.loads(json.dumps(entry.report))
        req = report["requests"]
        for row in ("new", "disclosed", "handled_total"):  # one more request, disclosed: the arithmetic still holds
            req[row]["natural_person"] += 1
            req[row]["total"] += 1
        changed = replace(entry, report=report, doc=to_docx(report, entry.quirks) if entry.form == "docx" else b"")
        truth = self.rebuild(key, [changed if e is entry else e for e in family.entries])
        return next(r for r in truth.reports if r.title == title)

    def withdraw(self, key: str, title: str) -> ExpectedReport:
        """A county deletes a report: gone from its column, its page (and attachment) answer 404."""
        truth = self.site(key)
        family = self.families[truth.slug]
        gone = next(r for r in truth.reports if r.title == title)
        self.rebuild(key, [e for e in family.entries if e.report is None or e.report["title"] != title])
        return gone

    @property
    def today(self) -> dt.date:
        """The day this web stands at: the date of the newest item any of its columns publishes. Its calendar
        ends there, so coverage of a crawl of it is judged as of this day (`nianbao coverage --as-of`): judged as
        of a later day, every report of the next year would be "overdue" though the web could not hold it."""
        return max(e.date for family in self.families.values() for e in family.entries)

    def site(self, key: str) -> SiteTruth:
        """A site by county name or slug."""
        return next(s for s in self.sites if key in (s.name, s.slug))

    def start(self) -> ImitationWeb:
        if not self._threads:
            for srv in self._servers:
                t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05},
                                     name=f"imitation-{srv.netloc}", daemon=True)
                t.start()
                self._threads.append(t)
        return self

    def stop(self) -> None:
        if self._threads:  # shutdown() waits for the serving loop: all of them at once
            stoppers = [threading.Thread(target=srv.shutdown) for srv in self._servers]
            for t in stoppers:
                t.start()
            for t in stoppers:
                t.join()
        for srv in self._servers:
            srv.server_close()
        for sock in self._closed:
            sock.close()
        self._servers, self._threads, self._closed = [], [], []

    def __enter__(self) -> ImitationWeb:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def build_web(seed: int = 0, *, latency: float = 0.0, n_extra: int = 0, cache_dir: Path | None = None,
              scans: bool = True, sites: Iterable[str] | None = None) -> ImitationWeb:
    """The default sites (plus `n_extra` ordinary ones), bound to loopback ports but not yet serving.

    Use as a context manager (`with build_web() as web:`) or call start()/stop(). Documents that need
    LibreOffice are converted once and cached under `cache_dir` (default ~/.cache/nianbao/imitation/<hash>).
    `scans=False`: the scanned reports published as text (`without_scans`); the web is otherwise the same.
    `sites`: only the default sites of these slugs, each as it is in the whole web of `seed`.
    """
    specs = [*SITES, *_extra_specs(seed, n_extra)]
    if sites is not None:
        specs = [s for s in specs if s.slug in set(sites)]
    plans = [(spec, make_entries(spec, random.Random(f"{seed}:{spec.slug}"))) for spec in specs]
    if not scans:
        for _, entries in plans:
            without_scans(entries)
    fill_documents([e for _, entries in plans for e in entries], Path(cache_dir or default_cache_dir(seed)))
    return bind(plans, latency, seed)


def bind(plans: list[tuple[SiteSpec, list[Entry]]], latency: float, seed: int | None) -> ImitationWeb:
    """The sites of `plans` bound to loopback ports (not yet serving); none left bound if one fails."""
    web = ImitationWeb(latency, seed)
    try:
        for spec, entries in plans:
            web.add(spec, entries)
    except BaseException:
        web.stop()
        raise
    return web


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.web.web", description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--latency", type=float, default=0.0, help="seconds added to every response")
    ap.add_argument("--extra", type=int, default=0, help="how many more ordinary sites")
    args = ap.parse_args(argv)
    t0 = time.monotonic()
    web = build_web(args.seed, latency=args.latency, n_extra=args.extra)
    with web:
        print(f"{len(web.sites)} sites ready in {time.monotonic() - t0:.1f}s (Ctrl-C stops)")
        for s in web.sites:
            extra = f"  attachments on {s.attachment_host}" if s.attachment_host else ""
            print(f"{s.slug:<11} {s.name:<5}\t{s.family:<10} {s.status:<9} {s.start_url:<24} "
                  f"{len(s.reports):>3} reports{extra}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
