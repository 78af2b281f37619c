"""The project's small vocabularies, each spelt once: event kinds, site statuses, and the per-site result
that the spider, the pipelines, the distributed scheduler, the store and the CLI all pass around."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from enum import StrEnum
from typing import Any


class EventKind(StrEnum):
    NEW = "new"  # a report not seen before
    REVISED = "revised"  # the same report (site, organ, year) with other document bytes
    REMOVED = "removed"  # a report page or document gone (404/410, soft 404)


class SiteStatus(StrEnum):
    """How crawling a site ended. Only OK (and PARTIAL / BUDGET for what was seen) lets coverage judge it."""

    OK = "ok"
    PARTIAL = "partial"  # lists announced more entries than could be read
    BUDGET = "budget"  # the per-site page budget ran out first
    BLOCKED = "blocked"  # a WAF's 412/521/403 answer
    DEAD = "dead"  # the homepage never answered
    ROBOTS = "robots"  # robots.txt forbids the homepage
    NO_COLUMN = "no_column"  # no 年报 column, or a column without reports
    INTERRUPTED = "interrupted"  # the crawl was stopped before the site was done


@dataclass
class SiteResult:
    """What one crawl learned about one site: a status, a reason a person can act on, and the counters."""

    site: str
    status: str = SiteStatus.INTERRUPTED
    reason: str = ""
    pages_fetched: int = 0
    reports_found: int = 0
    reports_new: int = 0
    reports_parsed: int = 0
    checks_failing: int = 0

    COUNTERS = ("pages_fetched", "reports_found", "reports_new", "reports_parsed", "checks_failing")
    COUNTED = ("reports_new", "reports_parsed", "checks_failing")  # by the pipelines, in the crawl stats (site_stat)

    def counters(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.COUNTERS}

    def as_dict(self) -> dict[str, Any]:
        return {k: (str(v) if k == "status" else v) for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SiteResult:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


def site_stat(site: str, counter: str) -> str:
    """The crawl-stats key of one site's counter (the pipelines count, the CLI and the job's scheduler read)."""
    return f"nianbao/site/{site}/{counter}"
