"""One site's crawl, in small typed parts: where the walk has been (`Walk`), what earlier crawls stored
(`Known`, for conditional GETs, unchanged documents and removals), and how it ended (`status`, `reason`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from crawler.listing import MAX_LINKS
from storage.kinds import SiteResult, SiteStatus, site_stat

if TYPE_CHECKING:
    from crawler.listing import ListPage


def host_of(url: str) -> str:
    return urlsplit(url).netloc.lower()


def _domain(netloc: str) -> str:
    host = netloc.split(":", 1)[0]
    return host[4:] if host.startswith("www.") else host


@dataclass
class Tally:
    """One list (a column and its further pages): what it said it holds against what was read of it."""

    pages: set[str] = field(default_factory=set)  # its pages (canonical URLs): read ones and announced ones
    announced: int | None = None  # entries the list says it has
    page_count: int | None = None  # pages the list says it has

    def add(self, url: str, page: ListPage) -> None:
        self.pages.add(url)
        for name in ("announced", "page_count"):
            said = getattr(page, name)
            if said is not None and said > (getattr(self, name) or 0):
                setattr(self, name, said)

    def shortfall(self, rows_by_page: dict[str, set[str]]) -> str | None:
        """What was not read of what the list announced, in words; None when it was all read. A page of the
        list counts as read wherever the walk reached it from."""
        read = [u for u in self.pages if u in rows_by_page]
        rows = set().union(*(rows_by_page[u] for u in read)) if read else set()
        if self.announced and len(rows) < self.announced:
            return f"announces {self.announced} entries, {len(rows)} read"
        if self.page_count and len(read) < self.page_count:
            return f"announces {self.page_count} pages, {len(read)} read"
        return None


@dataclass
class Walk:
    """Where the walk has been and what it found."""

    hosts: set[str]  # the site's own hosts (the start host, and where its homepage redirected)
    pages: int = 0
    columns: set[str] = field(default_factory=set)  # list pages that showed report links
    reports: dict[str, dict[str, Any]] = field(default_factory=dict)  # article/document URL → what the list said
    root_ok: bool = False  # the homepage answered
    errors: list[str] = field(default_factory=list)
    routes: set[str] = field(default_factory=set)  # hash routes already asked for
    script_only: bool = False  # the homepage was a script shell: render every page, skip the plain fetch
    listed: set[str] = field(default_factory=set)  # menu, column and list pages asked for (the page budget)
    over_budget: int = 0  # pages not asked for because the budget was spent
    cut: set[str] = field(default_factory=set)  # pages of more links than listing.MAX_LINKS, read only that far
    lost: list[str] = field(default_factory=list)  # report documents that could not be read (too large, broken …)
    renders: int = 0  # pages rendered in Chromium (script shells, lists only a script builds)
    candidates: set[str] = field(default_factory=set)  # links only the document could judge
    lists: dict[str, Tally] = field(default_factory=dict)  # by the list's first page
    rows: dict[str, set[str]] = field(default_factory=dict)  # list page read (canonical URL) → links in its rows

    def tally(self, root: str) -> Tally:
        return self.lists.setdefault(root, Tally())

    def in_site(self, url: str) -> bool:
        """The site's own hosts: the start host and its subdomains/siblings under the same domain."""
        netloc = host_of(url)
        if netloc in self.hosts:
            return True
        if any(ch.isalpha() for ch in netloc.split(":")[0]):
            base = {_domain(h) for h in self.hosts}
            return any(_domain(netloc) == b or _domain(netloc).endswith("." + b) for b in base)
        return False


@dataclass
class Known:
    """What earlier crawls stored for the site."""

    by_page: dict[str, list[int]] = field(default_factory=dict)  # page URL → report ids
    by_document: dict[str, list[int]] = field(default_factory=dict)  # document URL → report ids
    by_sha: dict[str, int] = field(default_factory=dict)  # document sha256 → report id
    documents: dict[str, str] = field(default_factory=dict)  # page URL → its report's document URL (attachments)
    history: dict[str, tuple[str | None, str | None, datetime]] = field(default_factory=dict)  # ETag, Last-Modified, when
    rechecked: bool = False  # unlisted known pages were asked for again

    def load(self, known: list[dict[str, Any]], history: dict[str, tuple[str | None, str | None, datetime]]) -> None:
        for r in known:
            self.by_page.setdefault(r["page_url"], []).append(r["id"])
            self.by_document.setdefault(r["document_url"], []).append(r["id"])
            self.by_sha[r["sha256"]] = r["id"]
            if r["document_url"] != r["page_url"]:
                self.documents[r["page_url"]] = r["document_url"]
        self.history = history


@dataclass
class Site:
    name: str
    start_url: str
    walk: Walk
    known: Known = field(default_factory=Known)
    status: SiteStatus | None = None  # None while the crawl goes on
    reason: str = ""

    @classmethod
    def start(cls, name: str, url: str) -> Site:
        return cls(name, url, Walk({host_of(url)}))

    def end(self, status: SiteStatus, reason: str) -> None:
        self.status, self.reason = status, reason

    def conclude(self, stats: dict[str, Any], budget: int) -> None:
        """The status of a site nothing stopped: dead, no column, no reports, budget spent, partial, or ok."""
        if self.status is not None:
            return
        w = self.walk
        found = self.found(stats)
        use = f"{len(w.listed)} of {budget} list pages" + (f", {w.renders} rendered" if w.renders else "")
        short = [f"{url} {gap}" for url, t in w.lists.items() if (gap := t.shortfall(w.rows))]
        if not w.root_ok:
            self.end(SiteStatus.DEAD, "; ".join(w.errors[:1]) or "homepage not reached")
        elif w.over_budget and not found:
            self.end(SiteStatus.BUDGET, f"page budget spent before any report was found ({use}; "
                                        f"{w.over_budget} pages not asked for)")
        elif not found:
            tried = sorted(set(w.lists) or w.columns)
            self.end(SiteStatus.NO_COLUMN, "no 政府信息公开年报 column found" + (f" ({use})" if w.listed else "")
                     if not tried else f"年报 column has no reports (tried: {', '.join(tried[:5])}"
                     + (f" and {len(tried) - 5} more" if len(tried) > 5 else "") + f"; {use})")
        elif w.over_budget:
            self.end(SiteStatus.BUDGET, f"{found} reports found; page budget spent ({use}; {w.over_budget} pages "
                                        "not asked for)")
        elif w.lost:
            self.end(SiteStatus.PARTIAL, f"{found} reports found; {len(w.lost)} report document(s) could not be read, "
                     f"e.g. {w.lost[0]}; {use}")
        elif w.cut:
            self.end(SiteStatus.PARTIAL, f"{found} reports found; {len(w.cut)} page(s) of more than "
                     f"{MAX_LINKS} links read only that far (a trap, or a list to check: {sorted(w.cut)[0]}); {use}")
        elif short:
            self.end(SiteStatus.PARTIAL, f"{found} reports found; list {short[0]}"
                     + (f" (and {len(short) - 1} more lists)" if len(short) > 1 else "") + f"; {use}")
        else:
            self.end(SiteStatus.OK, f"{found} reports in {len(w.lists)} list(s); {use}")

    def found(self, stats: dict[str, Any]) -> int:
        """Reports found: links the lists named as reports, and links that said nothing whose document was one."""
        return len(self.walk.reports) + int(stats.get(site_stat(self.name, "candidates_parsed"), 0))

    def result(self, stats: dict[str, Any]) -> SiteResult:
        """The site's result row: the walk's counts and the pipelines' counters from the crawl stats."""
        counted = {c: int(stats.get(site_stat(self.name, c), 0)) for c in SiteResult.COUNTED}
        found = self.found(stats)
        status, reason = self.status, self.reason
        if status is None:  # the crawl ended without the spider closing (a stop cut short)
            status, reason = SiteStatus.INTERRUPTED, "the crawl was stopped before the site was done"
        not_stored = int(stats.get(site_stat(self.name, "not_stored"), 0))
        if not_stored:  # never `ok` with reports lost on the way to the store
            status = SiteStatus.INTERRUPTED
            reason = f"{not_stored} reports not stored ({stats.get('nianbao/store_failure')})" + (
                f"; {reason}" if reason else "")
        return SiteResult(self.name, status, reason, pages_fetched=self.walk.pages, reports_found=found, **counted)
