"""One site's crawl, in small typed parts: where the walk has been (`Walk`), what earlier crawls stored
(`Known`, for conditional GETs, unchanged documents and removals), and how it ended (`status`, `reason`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from storage.kinds import SiteResult, SiteStatus, site_stat


def host_of(url: str) -> str:
    return urlsplit(url).netloc.lower()


def _domain(netloc: str) -> str:
    host = netloc.split(":", 1)[0]
    return host[4:] if host.startswith("www.") else host


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

    def conclude(self) -> None:
        """The status of a site nothing stopped: dead, no column, or ok."""
        if self.status is not None:
            return
        w = self.walk
        if not w.root_ok:
            self.end(SiteStatus.DEAD, "; ".join(w.errors[:1]) or "homepage not reached")
        elif not w.reports:
            self.end(SiteStatus.NO_COLUMN,
                     "no 政府信息公开年报 column found" if not w.columns else "年报 column has no reports")
        else:
            self.end(SiteStatus.OK, f"{len(w.reports)} report links in {len(w.columns)} list(s)")

    def result(self, stats: dict[str, Any]) -> SiteResult:
        """The site's result row: the walk's counts and the pipelines' counters from the crawl stats."""
        counted = {c: int(stats.get(site_stat(self.name, c), 0)) for c in SiteResult.COUNTED}
        return SiteResult(self.name, self.status or SiteStatus.INTERRUPTED, self.reason, pages_fetched=self.walk.pages,
                          reports_found=len(self.walk.reports), **counted)
