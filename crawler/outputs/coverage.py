"""Coverage: for every county and year, which annual reports were found, which are missing or overdue, and
whether each organ's numbers carry over from one year to the next.

The rules, in one place:

- Only current report versions count (a revised report's old version is ignored). A removed report (its
  page or document is gone) still counts as found — it was published — and is flagged `removed`.
- A report's county is its `region`; without one, the region named by its organ, else its site's name. Every
  site of the `sites` table that has no report at all is a county row too, with everything missing.
- The county government's report is the one whose organ, after the county's name, says nothing more than
  人民政府 / 政府 (`泾川县人民政府`, `宁县`, `淮安市洪泽区人民政府`); an organ ending in 镇/乡/街道/苏木 is a
  township, any other organ a department (人民政府办公室 included). Each organ counts once per year.
- Expected: the government's report every year; a department's or township's every year after the first
  year it reported. One that is not found is missing; overdue once the deadline has passed (government:
  31 March of the next year; departments and townships: 31 January), else "missing, not yet due".
- Judged only what a crawl saw: a county is judged when one of its sites' last crawl ended `ok` (and is not
  flagged `no_reports`), or when no crawl of its sites is recorded (a store filled otherwise). A site that
  ended `partial` or `budget` (the crawl stopped reading its lists) has the years in which reports were found
  judged, the others not. Any other ending — blocked, dead, robots, no_column, interrupted, a `no_reports`
  flag — leaves every year `unknown` ("not judged", the reason shown): our crawl failed to see the reports,
  which says nothing of whether the county published them. A not-judged cell still counts what was found.
- Cross-year check: an organ's `requests.carried_over` (上年结转) for year Y must equal its
  `requests.carried_forward` (结转下年度) for Y−1, every column (total included) that both reports give.
  The government is one organ across years even when its name changes (`宁县` / `宁县人民政府`).

The rows come from storage (`store.reports.current()`, `store.reports.sites()`); the table, CSV and HTML page
are crawler.outputs.coverage_render's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from parsers.identity import region_of
from storage.kinds import SiteStatus

if TYPE_CHECKING:  # the CLI imports this module to build its parser: no database machinery for that
    from storage.db import Store

GOVERNMENT, DEPARTMENT, TOWNSHIP = "government", "department", "township"
COLUMNS = ("natural_person", "commercial", "research", "social_welfare", "legal_services", "other_org", "total")
_TOWNSHIP_ENDS = ("镇", "乡", "街道", "街道办事处", "苏木")

# cell states, worst first, with what each means (their colours are the page template's)
STATES: dict[str, str] = {
    "overdue": "government report overdue",
    "gaps": "department or township reports overdue",
    "failing": "found, but checks failing, tables unread or numbers not carried over",
    "pending": "reports missing, not yet due",
    "complete": "complete: every expected report found, checks pass",
    "unknown": "not judged: the crawl did not see the county's reports (site blocked, dead, robots.txt, no 年报 "
               "column found, interrupted; a year a partial crawl did not reach)",
}
JUDGED, SEEN, NOT_JUDGED = "judged", "seen", "not judged"  # a county's judgement: every year, years seen, none
_CUT_SHORT = {SiteStatus.PARTIAL.value, SiteStatus.BUDGET.value}


def organ_kind(organ: str | None, region: str | None) -> str:
    """government, township or department: what the organ's name says after the county's name."""
    if not organ:
        return DEPARTMENT
    rest = organ[organ.rfind(region) + len(region):] if region and region in organ else organ
    if rest in ("", "人民政府", "政府"):
        return GOVERNMENT
    bare = rest.removesuffix("人民政府").removesuffix("政府")
    return TOWNSHIP if bare.endswith(_TOWNSHIP_ENDS) else DEPARTMENT


def due_date(kind: str, year: int) -> date:
    """The day by which the report for `year` must be published."""
    return date(year + 1, 3, 31) if kind == GOVERNMENT else date(year + 1, 1, 31)


@dataclass(frozen=True)
class Found:
    """One current report, reduced to what coverage needs."""

    id: int
    county: str
    organ: str
    kind: str
    year: int
    page_url: str | None
    removed: bool
    parsed: bool
    checks_failed: int
    carried_over: dict[str, Any] | None
    carried_forward: dict[str, Any] | None

    @property
    def key(self) -> str:
        """Who reports: the government is one reporter whatever it calls itself."""
        return GOVERNMENT if self.kind == GOVERNMENT else self.organ


@dataclass(frozen=True)
class Missing:
    county: str
    year: int
    organ: str
    kind: str
    due: date
    overdue: bool
    last_year: int | None = None  # the organ's latest report before `year`, and its page
    last_page_url: str | None = None


@dataclass(frozen=True)
class Mismatch:
    """`carried_forward` of `year - 1` differs from `carried_over` of `year` in `columns`."""

    county: str
    organ: str
    year: int
    forward: dict[str, Any]
    over: dict[str, Any]
    columns: tuple[str, ...]
    previous_page_url: str | None
    page_url: str | None


@dataclass
class Cell:
    county: str
    year: int
    government: str = "missing"  # found, removed, missing (not yet due), overdue, unknown (not judged)
    not_judged: str = ""  # why the cell is not judged (empty: judged)
    found: int = 0
    departments: int = 0
    townships: int = 0
    removed: int = 0
    parsed: int = 0
    checks_failing: int = 0
    compared: int = 0  # organs whose carry-over was checked against the year before
    missing: list[Missing] = field(default_factory=list)
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def overdue(self) -> int:
        return sum(m.overdue for m in self.missing)

    @property
    def not_due(self) -> int:
        return sum(not m.overdue for m in self.missing)

    @property
    def expected(self) -> int:
        return self.found + len(self.missing)

    @property
    def state(self) -> str:
        if self.not_judged:  # what was found can still fail its checks; nothing can be called missing
            return "failing" if self.checks_failing or self.parsed < self.found or self.mismatches else "unknown"
        if self.government == "overdue":
            return "overdue"
        if self.overdue:
            return "gaps"
        if self.checks_failing or self.parsed < self.found or self.mismatches:
            return "failing"
        return "pending" if self.missing else "complete"


@dataclass
class Coverage:
    today: date
    years: list[int]
    counties: list[str]
    codes: dict[str, str | None]
    cells: dict[tuple[str, int], Cell]
    undated: int = 0  # current reports without a year (not placed in the grid)
    # how crawling the county's site(s) went last: ok, blocked, dead, robots, no_column, or a flag (no_reports)
    site_status: dict[str, str] = field(default_factory=dict)
    # counties with cells not judged: why (the site's ending and its reason)
    not_judged: dict[str, str] = field(default_factory=dict)

    def rows(self) -> Iterable[Cell]:
        for county in self.counties:
            for year in self.years:
                yield self.cells[county, year]

    @property
    def overdue(self) -> list[Missing]:
        return [m for c in self.rows() for m in c.missing if m.overdue]

    @property
    def not_due(self) -> list[Missing]:
        return [m for c in self.rows() for m in c.missing if not m.overdue]

    @property
    def mismatches(self) -> list[Mismatch]:
        return [m for c in self.rows() for m in c.mismatches]

    @property
    def found(self) -> int:
        return sum(c.found for c in self.rows())

    @property
    def unjudged(self) -> list[Cell]:
        return [c for c in self.rows() if c.not_judged]


# ---------------------------------------------------------------- computing
def _better(a: Found, b: Found) -> bool:
    """Whether `a` represents its organ and year better than `b`: present, then parsed, then newer."""
    return (not a.removed, a.parsed, a.id) > (not b.removed, b.parsed, b.id)


@dataclass(frozen=True)
class SiteHealth:
    """A site as coverage reads it: how its last crawl ended, and any flag."""

    name: str
    code: str | None
    status: str  # last crawl's status; "" when no crawl is recorded
    reason: str
    flag: str
    flag_reason: str

    @property
    def shown(self) -> str:
        return self.flag or self.status

    @property
    def judgement(self) -> str:
        if self.flag:
            return NOT_JUDGED
        if self.status in ("", SiteStatus.OK.value):
            return JUDGED
        return SEEN if self.status in _CUT_SHORT else NOT_JUDGED

    @property
    def why(self) -> str:
        if self.flag:
            return f"site {self.name} flagged {self.flag}" + (f": {self.flag_reason}" if self.flag_reason else "")
        return f"site {self.name} ended {self.status}" + (f": {self.reason}" if self.reason else "")


def judgement(sites: Iterable[SiteHealth]) -> tuple[str, str]:
    """A county's judgement from its sites (the best of them) and, when not every year is judged, why."""
    sites = list(sites)
    order = (JUDGED, SEEN, NOT_JUDGED)
    best = min((s.judgement for s in sites), key=order.index, default=JUDGED)
    if best == JUDGED:
        return best, ""
    return best, "; ".join(s.why for s in sites if s.judgement == best)


def _load(store: Store) -> tuple[list[Found], int, dict[int, SiteHealth], dict[str, set[int]]]:
    """Current reports with a year, how many have none, every site's health by id, and the sites each county's
    reports came from."""
    sites = {r.id: SiteHealth(r.name, r.division_code, r.last_status or "", r.last_reason or "", r.flag or "",
                              r.flag_reason or "") for r in store.reports.sites()}
    rows = store.reports.current()
    found: list[Found] = []
    undated = 0
    site_ids: dict[str, set[int]] = defaultdict(set)
    for r in rows:
        county = r.region or (region_of(r.organ) if r.organ else None) or \
            (sites[r.site_id].name if r.site_id in sites else "(unknown)")
        if r.site_id is not None:
            site_ids[county].add(r.site_id)
        if r.year is None:
            undated += 1
            continue
        requests = (r.data or {}).get("requests")
        found.append(Found(
            id=r.id, county=county, organ=r.organ or r.title or f"report {r.id}", kind=organ_kind(r.organ, county),
            year=r.year, page_url=r.page_url, removed=r.removed_at is not None, parsed=requests is not None,
            checks_failed=r.checks_failed or 0,
            carried_over=(requests or {}).get("carried_over"), carried_forward=(requests or {}).get("carried_forward")))
    return found, undated, sites, site_ids


def _default_years(found: list[Found], today: date) -> list[int]:
    """From the earliest report's year to the latest year whose reports are due by now (or a later report's)."""
    seen = [f.year for f in found if f.year <= today.year]
    last = max([today.year - 1, *seen])
    return list(range(min([last, *seen]), last + 1))


def _differs(forward: dict[str, Any] | None, over: dict[str, Any] | None) -> tuple[str, ...] | None:
    """Columns in which the two rows differ (both given); None when they cannot be compared."""
    if not forward or not over:
        return None
    both = [c for c in COLUMNS if forward.get(c) is not None and over.get(c) is not None]
    return tuple(c for c in both if forward[c] != over[c]) if both else None


def _cell(county: str, year: int, reporters: dict[str, dict[int, Found]], today: date,
          judged: tuple[str, str] = (JUDGED, "")) -> Cell:
    """One county's year: its reporters' reports of that year, the missing ones (only when the year is judged),
    the carry-over checks."""
    cell = Cell(county, year)
    how, why = judged
    seen = any(year in reports for reports in reporters.values())
    if how == NOT_JUDGED or (how == SEEN and not seen):
        cell.not_judged = why if how == NOT_JUDGED else f"no report seen for the year; {why}"
        cell.government = "unknown"
    for key, reports in reporters.items():
        f = reports.get(year)
        if f is None:
            earlier = [y for y in reports if y < year]
            if earlier and key != GOVERNMENT and not cell.not_judged:
                last = reports[max(earlier)]
                due = due_date(last.kind, year)
                cell.missing.append(Missing(county, year, key, last.kind, due, today > due, last.year, last.page_url))
            continue
        cell.found += 1
        cell.departments += f.kind == DEPARTMENT
        cell.townships += f.kind == TOWNSHIP
        cell.removed += f.removed
        cell.parsed += f.parsed
        cell.checks_failing += f.checks_failed > 0
        if key == GOVERNMENT:
            cell.government = "removed" if f.removed else "found"
        before = reports.get(year - 1)
        columns = _differs(before.carried_forward, f.carried_over) if before else None
        if before and columns is not None:
            cell.compared += 1
            if columns:
                cell.mismatches.append(Mismatch(county, f.organ, year, before.carried_forward or {},
                                                f.carried_over or {}, columns, before.page_url, f.page_url))
    gov = reporters.get(GOVERNMENT, {})
    if year not in gov and not cell.not_judged:
        due = due_date(GOVERNMENT, year)
        earlier = [y for y in gov if y < year]
        last = gov[max(earlier)] if earlier else None
        name = gov[max(gov)].organ if gov else f"{county}人民政府" if region_of(county) == county else \
            county
        cell.missing.insert(0, Missing(county, year, name, GOVERNMENT, due, today > due,
                                       last.year if last else None, last.page_url if last else None))
        cell.government = "overdue" if today > due else "missing"
    return cell


def compute(store: Store, years: Iterable[int] | None = None, today: date | None = None) -> Coverage:
    """The county × year coverage of the stored reports, deadlines judged as of `today`."""
    today = today or date.today()
    found, undated, sites, site_ids = _load(store)
    years = sorted(set(years)) if years else _default_years(found, today)

    # county → reporter (GOVERNMENT or the organ) → year → its best current report
    by: dict[str, dict[str, dict[int, Found]]] = defaultdict(lambda: defaultdict(dict))
    for f in found:
        slot = by[f.county][f.key]
        if f.year not in slot or _better(f, slot[f.year]):
            slot[f.year] = f
    with_reports = set().union(*site_ids.values())
    bare = {sid for sid in sites if sid not in with_reports}
    counties = set(by) | {sites[sid].name for sid in bare}
    code_of = {s.name: s.code for s in sites.values()}
    own_sites = {c: set(site_ids.get(c, ())) | {sid for sid in bare if sites[sid].name == c} for c in counties}
    site_status = {c: ", ".join(sorted({sites[sid].shown for sid in own_sites[c] if sites[sid].shown}))
                   for c in counties}
    codes = {c: code_of.get(c) or next((sites[s].code for s in sorted(site_ids.get(c, ())) if sites[s].code), None)
             for c in counties}
    judged = {c: judgement(sites[sid] for sid in sorted(own_sites[c])) for c in counties}
    cells = {(county, year): _cell(county, year, by.get(county, {}), today, judged[county])
             for county in counties for year in years}
    not_judged = {c: why for c, (how, why) in judged.items() if how != JUDGED}
    return Coverage(today, years, sorted(counties), codes, cells, undated, site_status, not_judged)
