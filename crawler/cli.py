"""The `nianbao` command."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler import argtypes
from crawler.argtypes import shown as _shown
from crawler.outputs.files import NotAFile
from parsers.text import pad as _pad  # terminal tables: CJK characters take two columns

EXIT_OK, EXIT_INTERNAL, EXIT_UNREADABLE, EXIT_CHECKS, EXIT_NOT_REPORT = 0, 1, 2, 3, 4
EXIT_STORE = 5  # crawl: storing failed for good (the crawl stopped; how many reports were not stored is said)
EXIT_LOST = 6  # crawl: finished, but report documents could not be read (each site's result names them)


def _error(msg: str) -> None:
    """One line on stderr, whatever the message (database drivers put several lines in theirs)."""
    first = " ".join(msg.split("\n", 1)[0].split())
    print(f"nianbao: {first}", file=sys.stderr)


def _summary_line(name: str, report: dict[str, Any]) -> str:
    checks = report.get("checks") or []
    failed = [c["rule"] for c in checks if not c["ok"]]
    req = report.get("requests") or {}
    new = (req.get("new") or {}).get("total")
    handled = (req.get("handled_total") or {}).get("total")
    return (
        f"{_pad(name, 38)}{str(report.get('year')):<5} {str(report.get('template')):<5} "
        f"{_pad(report.get('organ') or '?', 18)}new={new!s:<6} handled={handled!s:<6} "
        f"checks {len(checks) - len(failed)}/{len(checks)} ok"
        + (f"  FAILED: {', '.join(failed[:4])}{' …' if len(failed) > 4 else ''}" if failed else "")
    )


def cmd_parse(args: argparse.Namespace) -> int:
    from parsers import NotAReport, Unreadable, parse_file

    paths: list[str] = args.paths
    many = len(paths) > 1
    errors: set[int] = set()
    any_check_failed = False
    if args.summary:
        print(f"{'file':<38}{'year':<5} {'form':<5} {'organ':<18}requests / checks")
    for path in paths:
        shown = _shown(path)
        try:
            report = parse_file(path)
        except Unreadable as exc:
            _error(f"{shown}: unreadable: {_shown(str(exc))}")
            errors.add(EXIT_UNREADABLE)
            continue
        except NotAReport as exc:
            _error(f"{shown}: not an annual report on government information disclosure: {_shown(str(exc))}")
            errors.add(EXIT_NOT_REPORT)
            continue
        except Exception as exc:  # a bug must still give one line, not a traceback
            _error(f"{shown}: internal error: {type(exc).__name__}: {_shown(str(exc))}")
            errors.add(EXIT_INTERNAL)
            continue
        any_check_failed |= any(not c["ok"] for c in report.get("checks") or [])
        if args.summary:
            print(_summary_line(_shown(Path(path).name), report))
        else:
            indent = 2 if args.pretty else None
            print(json.dumps(report, ensure_ascii=False, indent=indent if not many else None), flush=True)
    for code in (EXIT_UNREADABLE, EXIT_NOT_REPORT, EXIT_INTERNAL):
        if code in errors:
            return code
    return EXIT_CHECKS if args.check and any_check_failed else EXIT_OK


@dataclass
class Crawled:
    """How a crawl ended: one result row per site, the run's status, and the signal that stopped it, if one did."""

    results: list[dict[str, Any]]
    status: str = "ok"
    signal: str = ""  # SIGINT / SIGTERM: the crawl was stopped gracefully
    exit_code: int = 0  # 128 + the signal's number when one stopped it; EXIT_STORE when storing failed
    store_failure: str = ""  # why storing failed for good (the crawl stopped)
    abandoned: bool = False  # a stop that took too long was cut short: threads of what was in flight may linger
    not_stored: int = 0  # reports fetched and parsed but not stored
    lost: int = 0  # report documents that could not be read (too large, broken, a parse worker died on them)


def run_crawl(sites: list[tuple[str, str]], db: str | None, *, allow_private: bool = False,
              settings: dict[str, Any] | None = None, registry: dict[str, Any] | None = None) -> Crawled:
    """Crawl the sites into the database; returns each site's result row (also stored with the run)."""
    from scrapy.utils.project import get_project_settings

    from crawler.config import Config, ConfigError
    from crawler.interrupt import Interrupt
    from storage.session import resolve_url

    project = get_project_settings()
    project.setmodule("crawler.settings", priority="project")
    for key, value in (settings or {}).items():
        project.set(key, value, priority="cmdline")
    try:
        config = Config.from_settings(project)  # a bad value: one line now, not a traceback mid-crawl
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    project.update(Config.settings(db=resolve_url(db), allow_private=allow_private), priority="cmdline")
    interrupt = Interrupt()  # Scrapy's handlers would wait out a second Ctrl-C and ignore a third
    interrupt.install()
    try:
        return _crawl(sites, db, interrupt, project, config, registry or {})
    finally:
        interrupt.restore()


def _crawl(sites: list[tuple[str, str]], db: str | None, interrupt: Any, project: Any, config: Any,
           registry: dict[str, Any]) -> Crawled:
    """The crawl itself, with `interrupt`'s handlers in place from its first step."""
    from scrapy.crawler import CrawlerProcess

    from crawler.config import Config
    from crawler.spiders.discover import DiscoverSpider
    from storage.db import Store

    store = Store(db)
    for dead in store.runs.mark_dead():
        print(f"nianbao: run {dead} ended without finishing (its process is gone): marked dead", file=sys.stderr)
    run_id = store.runs.start({"sites": [n for n, _ in sites], "db": db})
    for name, url in sites:
        info = registry.get(name, {})
        store.reports.upsert_site(name, province=info.get("province"), division_code=info.get("division_code"),
                          homepage=info.get("homepage") or url)
    project.update(Config.settings(run_id=run_id), priority="cmdline")
    process = CrawlerProcess(project)
    crawler = process.create_crawler(DiscoverSpider)
    process.crawl(crawler, sites=sites)
    if config.log_level != "DEBUG" and not config.tracebacks:
        _one_line_logs()
    outcome = Crawled([])
    interrupt.attach(process)
    if interrupt.signum is None:  # (stopped before it started: nothing to run)
        process.start(install_signal_handlers=False)
    stats = crawler.stats.get_stats() if crawler.stats else {}
    if interrupt.signum is not None or stats.get("finish_reason") not in (None, "finished"):
        outcome.status = "interrupted"
        outcome.signal, outcome.exit_code = interrupt.name, interrupt.exit_code if interrupt.signum else 130
    outcome.abandoned = interrupt.abandoned
    outcome.not_stored = int(stats.get("nianbao/reports_not_stored", 0))
    if stats.get("nianbao/store_failure"):
        outcome.status, outcome.exit_code = "failed", EXIT_STORE
        outcome.store_failure = str(stats["nianbao/store_failure"])
    sites = getattr(crawler.spider, "sites", {}).values()
    results = [site.result(stats) for site in sites]
    outcome.lost = sum(len(site.walk.lost) for site in sites)
    outcome.results = [r.as_dict() for r in results]

    def record() -> None:
        for result in results:
            # health, flags and failure counts only from a run that finished: a stopped one saw part of each site
            store.runs.site_result(run_id, result, finished=outcome.status == "ok")
        store.runs.finish(run_id, outcome.status, {k: v for k, v in stats.items() if isinstance(v, int | float | str)})

    try:
        store.db.retrying(record, config.store_retry)
    except Exception as exc:  # noqa: BLE001 - the results are printed all the same; the next crawl marks the run
        outcome.exit_code = EXIT_STORE
        outcome.store_failure = outcome.store_failure or f"{type(exc).__name__}: {exc}"
        _error(f"the run's results could not be recorded: {type(exc).__name__}: {exc}")
    finally:
        store.close()
    return outcome


def _one_line_logs() -> None:
    """Log records without their tracebacks (a refused connection is a result, not a crash); -v shows them."""
    import logging

    class NoTraceback(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            if record.exc_info:
                record.msg = f"{record.getMessage()} ({record.exc_info[1]!r})"
                record.args, record.exc_info, record.exc_text = (), None, None
            return True

    for handler in logging.getLogger().handlers:
        handler.addFilter(NoTraceback())


def print_results(results: list[dict[str, Any]]) -> None:
    print(f"{_pad('site', 14)}{'pages':>6} {'found':>6} {'new':>5} {'parsed':>7} {'failing':>8}  status: reason")
    for r in results:
        print(f"{_pad(r['site'], 14)}{r['pages_fetched']:>6} {r['reports_found']:>6} {r['reports_new']:>5} "
              f"{r['reports_parsed']:>7} {r['checks_failing']:>8}  {r['status']}: {r['reason']}")


def cmd_crawl(args: argparse.Namespace) -> int:
    from crawler import registry
    from crawler.config import Config
    from storage.kinds import SiteStatus

    counties = {c.name: c for c in registry.load()}
    names = args.site or ([] if args.start_url else list(counties))
    unknown = [n for n in names if n not in counties]
    if unknown:
        raise UsageError(f"unknown site(s) {', '.join(unknown)}: see `nianbao sites`")
    sites = [(n, counties[n].start_urls[0]) for n in names]
    from urllib.parse import urlsplit

    for url in args.start_url or []:  # checked by argtypes.http_url
        sites.append((urlsplit(url).netloc, url))
    shared: dict[str, Any] = {}
    if args.redis:
        from crawler import distributed

        try:
            shared = distributed.settings(args.redis, args.job)
        except distributed.Unreachable as exc:
            raise UsageError(str(exc)) from None
    _check_notify(args.notify)
    info = {c.name: c.__dict__ for c in counties.values()}
    crawled = run_crawl(sites, args.db, allow_private=args.allow_private, registry=info,
                        settings={**Config.settings(log_level="INFO" if args.verbose else "WARNING",
                                                    tracebacks=args.verbose, download_delay=args.delay,
                                                    progress=not args.no_progress, incremental=not args.full,
                                                    notify=tuple(args.notify or ())),
                                  "AUTOTHROTTLE_START_DELAY": args.delay,
                                  **dict(pair.split("=", 1) for pair in args.set or ()), **shared})
    results = crawled.results
    print_results(results)
    if crawled.exit_code == EXIT_STORE:
        _error(f"storing failed: {crawled.not_stored} reports not stored ({crawled.store_failure}); the crawl was "
               "stopped. What was stored stays stored: crawl again once the store works")
        return EXIT_STORE
    if crawled.exit_code:
        _error(f"interrupted{f' ({crawled.signal})' if crawled.signal else ''}: the run is recorded as interrupted; "
               "what was stored stays stored, and the next crawl goes on from it")
        if crawled.abandoned:  # the abandoned downloads' and writes' threads would hold the exit: none is needed now
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(crawled.exit_code)
        return crawled.exit_code
    if args.redis and not results:
        print(f"(job {args.job}: the sites' results are recorded by the job's last worker)")
    if crawled.lost and any(r["status"] in (SiteStatus.OK, SiteStatus.PARTIAL) for r in results):
        _error(f"{crawled.lost} report document(s) could not be read: each site's result names them")
        return EXIT_LOST
    return 0 if any(r["status"] == SiteStatus.OK for r in results) or not results else 1


class UsageError(Exception):
    """A mistake in what the user asked for: one line on stderr, exit 2."""


def _existing_store(db: str | None) -> Any:
    """The Store of a command that only reads: a SQLite file that is not there is a typo, not a new database."""
    from sqlalchemy.engine import make_url

    from storage.db import Store
    from storage.session import resolve_url

    url = make_url(resolve_url(db))
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:") \
            and not Path(url.database).is_file():
        raise UsageError(f"no database at {url.database} (crawl into it first, or give --db / $NIANBAO_DB)")
    return Store(db)


def _check_notify(urls: list[str] | None) -> None:
    """Check --notify URLs before anything starts: a typo is one line now, not a failure mid-crawl."""
    from crawler.outputs.notify import check_urls

    try:
        check_urls(urls or [])
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def cmd_watch(args: argparse.Namespace) -> int:
    from crawler.watch import Watch, crawl_argv

    _check_notify(args.notify)
    return Watch(crawl_argv(args, args.crawl_options), args.every, args.runs).start()


def cmd_events(args: argparse.Namespace) -> int:
    from crawler.outputs.texts import TABLE_HEADER, table_row

    with _existing_store(args.db) as store:
        events = store.events.iter(since=args.since, kinds=args.kind)
        if args.format == "jsonl":
            for event in events:
                print(json.dumps(event, ensure_ascii=False), flush=False)
            return 0
        print(TABLE_HEADER)
        n = 0
        for e in events:
            print(table_row(e))
            n += 1
        print(f"{n} event(s)", file=sys.stderr)
    return 0


def cmd_health(args: argparse.Namespace) -> int:
    from storage.kinds import SiteStatus
    from storage.models import iso_z

    with _existing_store(args.db) as store:
        sites = store.reports.sites()
    print(f"{_pad('site', 22)}{'last status':<12}{'last success':<22}{'failures':>8}  {'blocked':<8}flag / reason")
    for s in sites:
        flag = f"{s.flag}: {s.flag_reason}" if s.flag else (s.last_reason or "")
        print(f"{_pad(s.name, 22)}{s.last_status or '-':<12}{iso_z(s.last_success_at) or 'never':<22}"
              f"{s.consecutive_failures:>8}  {'yes' if s.last_status == SiteStatus.BLOCKED else 'no':<8}{flag}")
    return 0


def cmd_sites(args: argparse.Namespace) -> int:
    from crawler import registry

    print(f"{_pad('name', 10)}{_pad('province', 10)}{'code':<8} homepage")
    for c in registry.load():
        print(f"{_pad(c.name, 10)}{_pad(c.province, 10)}{c.division_code:<8} {c.homepage}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from crawler.outputs.export import export

    store = _existing_store(args.db)
    try:
        n = export(store.reports.iter, args.format, Path(args.out))
    finally:
        store.close()
    print(f"exported {n} reports to {args.out} ({args.format})", file=sys.stderr)
    return 0


def cmd_dump(args: argparse.Namespace) -> int:
    from crawler.outputs.dump import DumpError, dump, limited, verify

    if args.verify:
        s = verify(Path(args.verify))
        for line in limited(s.problems):
            print(f"nianbao: {args.verify}: {line}", file=sys.stderr)
        if s.problems:
            print(f"verify {args.verify}: FAILED, {len(s.problems)} problem(s)", file=sys.stderr)
            return EXIT_CHECKS
        print(f"verify {args.verify}: OK, {s.documents} documents ({s.bytes / 1e6:.1f} MB), {s.reports} reports, "
              f"{s.warc_records} WARC records, {s.files} files")
        return EXIT_OK

    store = _existing_store(args.db)
    progress = None if args.no_progress else (lambda line: print(line, file=sys.stderr, flush=True))
    try:
        s = dump(store, Path(args.out), copy=args.copy, progress=progress, notice=_error)
    except FileExistsError as exc:
        raise UsageError(str(exc)) from None
    except DumpError as exc:
        for line in limited(exc.problems):
            _error(line)
        _error(f"dump not written: {len(exc.problems)} problem(s)")
        return EXIT_CHECKS
    finally:
        store.close()
    print(f"dumped {s.documents} documents ({s.bytes / 1e6:.1f} MB), {s.reports} reports, {s.warc_records} WARC "
          f"records to {args.out} in {s.seconds:.1f} s")
    return EXIT_OK


def cmd_coverage(args: argparse.Namespace) -> int:
    from datetime import date

    from crawler.outputs.coverage import compute
    from crawler.outputs.coverage_render import render, summary

    today = args.as_of or date.today()
    store = _existing_store(args.db)
    try:
        cov = compute(store, years=args.year, today=today)
    finally:
        store.close()
    text = render(cov, args.format)
    if args.out:
        from crawler.outputs.files import write_text

        write_text(args.out, text)
        print(f"{summary(cov)}; written to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def cmd_feed(args: argparse.Namespace) -> int:
    from crawler.outputs.feed import write_feed

    with _existing_store(args.db) as store:
        n = write_feed(store.events.iter(since=args.since), Path(args.out), limit=args.limit)
    print(f"wrote {n} events to {args.out} (Atom)", file=sys.stderr)
    return 0


def _imitation_web() -> Any:
    """The imitation web lives beside the tests (tests/web/), not in the product: the demo needs the checkout."""
    root = Path(__file__).resolve().parent.parent
    if not (root / "tests" / "web" / "web.py").is_file():
        raise UsageError("the demo's imitation web (tests/web/) comes with the source checkout: run it from a clone")
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    from tests.web.web import build_web

    return build_web


def cmd_demo(args: argparse.Namespace) -> int:
    from crawler.config import Config

    build_web = _imitation_web()

    db = args.db or "nianbao-demo.db"
    print("starting the bundled imitation web on 127.0.0.1 …", file=sys.stderr, flush=True)
    with build_web(seed=0) as web:
        as_of = web.today
        sites = [(s.name, s.start_url) for s in web.sites]
        for s in web.sites:
            print(f"  {_pad(s.name, 12)} {s.family:<10} {s.start_url}", file=sys.stderr)
        crawled = run_crawl(sites, db, allow_private=True,
                            settings={**Config.settings(download_delay=0.05, log_level="WARNING"),
                                      "AUTOTHROTTLE_START_DELAY": 0.05})
    print_results(crawled.results)
    if crawled.exit_code:
        _error(f"demo interrupted ({crawled.signal or 'SIGINT'})")
        return crawled.exit_code
    from collections import Counter

    from storage.db import Store

    store = Store(db)
    events = Counter(e["kind"] for e in store.events.iter())
    print(f"\n{store.reports.count()} reports stored in {db}; events so far: "
          + (", ".join(f"{n} {k}" for k, n in sorted(events.items())) or "none"))
    store.close()
    print(f"{demo_coverage(db, as_of)} (the imitation web's date: it publishes nothing later)")
    print(f"next: nianbao coverage --db {db} --as-of {as_of.isoformat()}\n      nianbao events --db {db}\n"
          f"      nianbao export --db {db} --format csv --out reports.csv\n"
          f"      nianbao dump --db {db} --out demo-dump\n      datasette {db}")
    return 0


def demo_coverage(db: str, as_of: Any) -> str:
    """The demo's closing line: the coverage of its store as of the imitation web's date (`web.today`), the
    day its calendar ends; as of the real today, a later year's every report would look overdue."""
    from crawler.outputs.coverage import compute
    from crawler.outputs.coverage_render import summary
    from storage.db import Store

    with Store(db) as store:
        return summary(compute(store, today=as_of))


class Parser(argparse.ArgumentParser):
    """argparse with its errors in the CLI's form: one line on stderr (no usage block), exit 2."""

    def error(self, message: str) -> Any:
        message = message.removeprefix("argument ").replace("\n", " ")  # values in it are shown escaped already
        self.exit(2, f"nianbao: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    from crawler.config import Config
    from crawler.outputs import coverage_render
    from crawler.outputs import formats as export_formats
    from storage.kinds import EventKind

    parser = Parser(
        prog="nianbao",
        description="Find, parse and store Chinese county governments' annual reports on government information disclosure.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser(
        "parse",
        help="parse report documents (HTML, PDF, DOCX, DOC, text) into nianbao.report/1 JSON",
        description="Parse each file into the nianbao.report/1 object: one JSON object for one file, JSON Lines "
        "for several. Exit 0 parsed, 2 unreadable input, 3 a check failed (with --check), 4 not an annual report.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--pretty", action="store_true", help="indent the JSON (one file)")
    p.add_argument("--check", action="store_true", help="exit 3 when any of the form's checks fails")
    p.add_argument("--summary", action="store_true", help="print one readable line per file instead of JSON")
    p.set_defaults(func=cmd_parse)

    db_help = "SQLAlchemy URL or SQLite file path (default: $NIANBAO_DB, else nianbao.db)"
    crawl_options = p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--site", nargs="+", metavar="NAME", help="registry names (see `nianbao sites`); default: all")
    p.add_argument("--start-url", nargs="+", type=argtypes.http_url, metavar="URL", help="start from these URLs (homepage or a column)")
    p.add_argument("--db", type=argtypes.database, help=db_help)
    p.add_argument("--allow-private", action="store_true",
                   help="follow links and redirects to private/loopback addresses (start URLs' hosts always are)")
    p.add_argument("--delay", type=argtypes.delay, default=Config.download_delay, metavar="SECONDS",
                   help="minimum delay between requests to one host (AutoThrottle adapts above it; "
                   f"default {Config.download_delay})")
    p.add_argument("--no-progress", action="store_true", help="no progress lines on stderr")
    p.add_argument("--notify", action="append", metavar="URL",
                   help="send every event (new, revised, removed report) to this webhook (http[s]://…, the event as "
                   "JSON) or Apprise URL (mailto://…, tgram://…); repeatable")
    p.add_argument("--full", action="store_true",
                   help="fetch and parse every report again (default: conditional GETs, unchanged documents skipped)")
    p.add_argument("--redis", metavar="URL",
                   help="share the crawl with other workers (this machine or others) through Redis, e.g. "
                   "redis://host:6379/0: one frontier and duplicate filter; use one --db (PostgreSQL) for all")
    p.add_argument("--job", default="nianbao", metavar="NAME",
                   help="with --redis: the shared crawl's name; workers with the same name share it (default nianbao)")
    p.add_argument("--set", action="append", type=argtypes.setting_pair, metavar="NAME=VALUE",
                   help="any setting of the README's Settings table, e.g. NIANBAO_PAGE_BUDGET=200; repeatable")
    p.add_argument("-v", "--verbose", action="store_true", help="Scrapy's INFO log")
    p = sub.add_parser("crawl", parents=[crawl_options], help="discover and store every annual report on county sites",
                       description="Walk each site from its homepage to its 年报 column(s), fetch every report and "
                       "store it parsed, with provenance. Prints a table per site at the end. Exit 0 when a site "
                       "ended ok, 1 when none did (nor partial), 5 when storing failed (the crawl stops; how many "
                       "reports were not stored is said), 6 when report documents could not be read (each site's "
                       "result names them), 130 / 143 when stopped by Ctrl-C / SIGTERM.")
    p.set_defaults(func=cmd_crawl)

    p = sub.add_parser("watch", parents=[crawl_options], help="crawl on a schedule, in the foreground",
                       description="Run `nianbao crawl` with the same options now and then every --every; a failing "
                       "run is reported and the next one runs as scheduled. Stop with Ctrl-C (or SIGTERM).")
    p.add_argument("--every", required=True, type=argtypes.every, metavar="DURATION",
                   help="e.g. 6h, 30m, 1d, 1h30m (1s to 366d)")
    p.add_argument("--runs", type=argtypes.count, metavar="N", help="stop after N runs (default: never)")
    p.set_defaults(func=cmd_watch, crawl_options=crawl_options)

    p = sub.add_parser("events", help="what crawls learned: new, revised and removed reports",
                       description="Events in order. JSON lines hold kind, at, site, detail, the report (schema "
                       "object with provenance, id and status) and, for a revision, the previous version.")
    p.add_argument("--db", type=argtypes.database, help=db_help)
    p.add_argument("--since", type=argtypes.moment, metavar="ISO", help="only events at or after this time (e.g. 2026-11-01 or 2026-11-01T08:00Z)")
    p.add_argument("--kind", choices=[k.value for k in EventKind], action="append", help="only these kinds (repeatable)")
    p.add_argument("--format", choices=["table", "jsonl"], default="table")
    p.set_defaults(func=cmd_events)

    p = sub.add_parser("health", help="each site's crawl health: last success, failures in a row, blocked, flags")
    p.add_argument("--db", type=argtypes.database, help=db_help)
    p.set_defaults(func=cmd_health)

    p = sub.add_parser("sites", help="list the sites registry")
    p.set_defaults(func=cmd_sites)

    p = sub.add_parser("export", help="export stored reports with provenance")
    p.add_argument("--db", type=argtypes.database, help=db_help)
    p.add_argument("--format", choices=export_formats.NAMES, required=True)
    p.add_argument("--out", required=True, type=argtypes.out_file, metavar="PATH")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("dump", help="write a verifiable release: reports, documents, manifest, WARC; or check one",
                       description="--out DIR: reports (JSON lines, CSV, Parquet; every version with its status), "
                       "the raw documents under their sha256, manifest.json and responses.warc.gz, written to a "
                       "hidden directory and renamed to DIR when complete. --verify DIR: check every file against "
                       "the manifest. Exit 0 OK, 3 a problem found (one line each on stderr).")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--out", metavar="DIR", help="write the dump here (must not exist or be empty)")
    what.add_argument("--verify", metavar="DIR", help="check a dump")
    p.add_argument("--db", type=argtypes.database, help=db_help)
    p.add_argument("--copy", action="store_true", help="copy documents instead of hard-linking them to the store")
    p.add_argument("--no-progress", action="store_true", help="no progress lines on stderr")
    p.set_defaults(func=cmd_dump)

    p = sub.add_parser("coverage", help="county × year: reports found, parsed, failing, missing, overdue",
                       description="One row per county, one column per year: the reports found (the government's "
                       "and its departments' and townships'), parsed, with failing checks, missing and overdue "
                       "(after 31 March of the next year for governments, 31 January for departments), and the "
                       "cross-year check (carried_over equals the year before's carried_forward).")
    p.add_argument("--db", type=argtypes.database, help=db_help)
    p.add_argument("--year", type=argtypes.year, action="append", metavar="Y",
                   help="only this year (repeatable); default: the earliest report's year to the latest one due")
    p.add_argument("--format", choices=coverage_render.FORMATS, default="table",
                   help="table (terminal), csv (one row per county and year) or html (one static page, a heatmap)")
    p.add_argument("--out", type=argtypes.out_file, metavar="FILE", help="write to FILE instead of stdout")
    p.add_argument("--as-of", "--today", dest="as_of", type=argtypes.day, metavar="YYYY-MM-DD",
                   help="judge deadlines as of this day (default: today); the demo's store: the imitation web's date")
    p.set_defaults(func=cmd_coverage)

    p = sub.add_parser("feed", help="write an Atom feed of events (report new, revised, removed)",
                       description="One entry per event, newest first: the report's title, kind, organ, year, key "
                       "numbers, page and document URLs and sha256.")
    p.add_argument("--out", required=True, type=argtypes.out_file, metavar="FILE")
    p.add_argument("--db", type=argtypes.database, help=db_help)
    p.add_argument("--since", type=argtypes.moment, metavar="ISO", help="only events at or after this time, e.g. 2026-11-01 (UTC if no zone)")
    p.add_argument("--limit", type=argtypes.count, metavar="N", help="only the latest N events")
    p.set_defaults(func=cmd_feed)

    p = sub.add_parser("demo", help="crawl the bundled imitation web (offline) into SQLite and print the summary")
    p.add_argument("--db", type=argtypes.database, help="default: nianbao-demo.db")
    p.set_defaults(func=cmd_demo)
    return parser


def _check_env_db(args: argparse.Namespace) -> None:
    """$NIANBAO_DB stands in for a missing `--db`: the same check as the option's, one line naming it."""
    from crawler.config import env

    value = env("NIANBAO_DB")
    if hasattr(args, "db") and args.db is None and value:
        try:
            argtypes.database(value)
        except argparse.ArgumentTypeError as exc:
            raise UsageError(f"$NIANBAO_DB: {exc}") from None


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        _check_env_db(args)
        return args.func(args)
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    except BrokenPipeError:
        return 0
    except (UsageError, NotAFile) as exc:
        _error(str(exc))
        return 2
    except Exception as exc:  # one line, never a traceback
        _error(f"{args.command}: {type(exc).__name__}: {exc}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
