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
- A county with no report at all whose site(s) could not be crawled (blocked, dead, robots.txt) is not
  judged: its cells are `unknown`, not overdue — nothing says the county failed to publish.
- Cross-year check: an organ's `requests.carried_over` (上年结转) for year Y must equal its
  `requests.carried_forward` (结转下年度) for Y−1, every column (total included) that both reports give.
  The government is one organ across years even when its name changes (`宁县` / `宁县人民政府`).
"""

from __future__ import annotations

import csv
import html
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select

from parsers.identity import region_of
from parsers.text import display_width, pad
from storage.db import Store
from storage.models import Report, Site

FORMATS = ("table", "csv", "html")
GOVERNMENT, DEPARTMENT, TOWNSHIP = "government", "department", "township"
COLUMNS = ("natural_person", "commercial", "research", "social_welfare", "legal_services", "other_org", "total")
_TOWNSHIP_ENDS = ("镇", "乡", "街道", "街道办事处", "苏木")

# cell states, worst first, with their colour and legend text
STATES: dict[str, tuple[str, str, str]] = {
    "overdue": ("#c62828", "#ffffff", "government report overdue"),
    "gaps": ("#f59e42", "#1a1a1a", "department or township reports overdue"),
    "failing": ("#f7dc5c", "#1a1a1a", "found, but checks failing, tables unread or numbers not carried over"),
    "pending": ("#c9d6e3", "#1a1a1a", "reports missing, not yet due"),
    "complete": ("#66bb6a", "#0b2e0f", "complete: every expected report found, checks pass"),
    "unknown": ("#e0e0e0", "#555555", "not judged: the site could not be crawled (blocked, dead, robots.txt)"),
}
UNCRAWLABLE = {"blocked", "dead", "robots"}


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
        if self.government == "unknown":
            return "unknown"
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


# ---------------------------------------------------------------- computing
def _better(a: Found, b: Found) -> bool:
    """Whether `a` represents its organ and year better than `b`: present, then parsed, then newer."""
    return (not a.removed, a.parsed, a.id) > (not b.removed, b.parsed, b.id)


def _load(store: Store) -> tuple[list[Found], int, dict[int, tuple[str, str | None, str]], dict[str, set[int]]]:
    """Current reports with a year, how many have none, every site as id → (name, division code, health: its
    flag or last status), and the sites each county's reports came from."""
    with store.engine.connect() as conn:
        sites = {r.id: (r.name, r.division_code, r.flag or r.last_status or "")
                 for r in conn.execute(select(Site.id, Site.name, Site.division_code, Site.flag, Site.last_status))}
        rows = conn.execute(select(Report.id, Report.site_id, Report.organ, Report.region, Report.year,
                                   Report.checks_failed, Report.removed_at, Report.page_url, Report.title,
                                   Report.data).where(Report.superseded_by.is_(None)).order_by(Report.id)).all()
    found: list[Found] = []
    undated = 0
    site_ids: dict[str, set[int]] = defaultdict(set)
    for r in rows:
        county = r.region or (region_of(r.organ) if r.organ else None) or \
            (sites[r.site_id][0] if r.site_id in sites else "(unknown)")
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


def _cell(county: str, year: int, reporters: dict[str, dict[int, Found]], today: date, judged: bool = True) -> Cell:
    """One county's year: its reporters' reports of that year, the missing ones, the carry-over checks."""
    cell = Cell(county, year)
    if not judged:
        cell.government = "unknown"
        return cell
    for key, reports in reporters.items():
        f = reports.get(year)
        if f is None:
            earlier = [y for y in reports if y < year]
            if earlier and key != GOVERNMENT:
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
    if year not in gov:
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
    counties = set(by) | {sites[sid][0] for sid in bare}
    code_of = {name: code for name, code, _ in sites.values()}
    own_sites = {c: set(site_ids.get(c, ())) | {sid for sid in bare if sites[sid][0] == c} for c in counties}
    site_status = {c: ", ".join(sorted({sites[sid][2] for sid in own_sites[c] if sites[sid][2]})) for c in counties}
    codes = {c: code_of.get(c) or next((sites[s][1] for s in sorted(site_ids.get(c, ())) if sites[s][1]), None)
             for c in counties}
    judged = {c: c in by or not (set(site_status[c].split(", ")) <= UNCRAWLABLE and site_status[c])
              for c in counties}
    cells = {(county, year): _cell(county, year, by.get(county, {}), today, judged[county])
             for county in counties for year in years}
    return Coverage(today, years, sorted(counties), codes, cells, undated, site_status)


# ---------------------------------------------------------------- rendering
def _span(years: list[int]) -> str:
    return f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])


def summary(cov: Coverage) -> str:
    return f"coverage as of {cov.today.isoformat()}: {_figures(cov)}"


def _figures(cov: Coverage) -> str:
    overdue = cov.overdue
    gov = sum(m.kind == GOVERNMENT for m in overdue)
    return (f"{len(cov.counties)} counties × {len(cov.years)} years "
            f"({_span(cov.years)}); {cov.found} reports found, {len(overdue)} overdue ({gov} government), "
            f"{len(cov.not_due)} missing not yet due, {len(cov.mismatches)} cross-year mismatches")


def cell_text(c: Cell) -> str:
    """The compact terminal form of a cell, e.g. `G 3/4 !1 f1 x1`."""
    if c.government == "unknown":
        return "- not judged"
    parts = [{"found": "G", "removed": "R", "missing": "g", "overdue": "X"}[c.government], f"{c.found}/{c.expected}"]
    for n, mark in ((c.overdue, "!"), (c.not_due, "?"), (c.checks_failing, "f"), (c.found - c.parsed, "u"),
                    (c.removed, "r"), (len(c.mismatches), "x")):
        if n:
            parts.append(f"{mark}{n}")
    return " ".join(parts)


LEGEND_TEXT = ("G government report found, R found but removed since, g missing (not yet due), X overdue, "
               "- not judged (site blocked, dead or forbidden by robots.txt); "
               "found/expected organs; !n overdue, ?n missing not yet due, fn checks failing, un tables unread, "
               "rn removed, xn cross-year mismatches")


def _organ_line(m: Missing) -> str:
    last = f"; last report {m.last_year}: {m.last_page_url}" if m.last_year else ""
    return f"  {m.county} {m.year} {m.organ} ({m.kind}, due {m.due.isoformat()}{last})"


def _mismatch_line(m: Mismatch) -> str:
    cols = ", ".join(f"{c} {m.forward.get(c)}≠{m.over.get(c)}" for c in m.columns)
    return (f"  {m.county} {m.organ} {m.year - 1}→{m.year}: carried_forward {m.forward.get('total')} ≠ "
            f"carried_over {m.over.get('total')} [{cols}]\n    {m.year - 1}: {m.previous_page_url}\n"
            f"    {m.year}: {m.page_url}")




def render_table(cov: Coverage) -> str:
    texts = {k: cell_text(c) for k, c in cov.cells.items()}
    cw = max([display_width(c) for c in cov.counties] + [6]) + 2
    yw = max([len(t) for t in texts.values()] + [4]) + 2
    out = [summary(cov), LEGEND_TEXT, ""]
    sw = max([len(v) for v in cov.site_status.values()] + [4]) + 2
    out.append(pad("county", cw) + pad("code", 8) + pad("site", sw)
               + "".join(pad(str(y), yw) for y in cov.years).rstrip())
    for county in cov.counties:
        out.append((pad(county, cw) + pad(cov.codes.get(county) or "", 8) + pad(cov.site_status.get(county) or "", sw)
                    + "".join(pad(texts[county, y], yw) for y in cov.years)).rstrip())
    for title, items, line in (("overdue", cov.overdue, _organ_line),
                               ("missing, not yet due", cov.not_due, _organ_line),
                               ("cross-year mismatches", cov.mismatches, _mismatch_line)):
        out += ["", f"{title} ({len(items)}):", *(line(m) for m in items)]
    if cov.undated:
        out += ["", f"{cov.undated} reports without a year are not placed"]
    return "\n".join(out) + "\n"


CSV_COLUMNS = ("county", "division_code", "site_status", "year", "state", "government", "found", "departments", "townships",
               "removed", "parsed", "checks_failing", "missing", "overdue", "missing_not_due", "overdue_organs",
               "missing_not_due_organs", "crossyear_compared", "crossyear_mismatches", "crossyear_mismatch_organs",
               "government_due", "departments_due")


def render_csv(cov: Coverage) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for c in cov.rows():
        w.writerow([c.county, cov.codes.get(c.county) or "", cov.site_status.get(c.county) or "", c.year, c.state, c.government, c.found, c.departments,
                    c.townships, c.removed, c.parsed, c.checks_failing, len(c.missing), c.overdue, c.not_due,
                    "; ".join(m.organ for m in c.missing if m.overdue),
                    "; ".join(m.organ for m in c.missing if not m.overdue),
                    c.compared, len(c.mismatches), "; ".join(m.organ for m in c.mismatches),
                    due_date(GOVERNMENT, c.year).isoformat(), due_date(DEPARTMENT, c.year).isoformat()])
    return buf.getvalue()


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _link(url: str | None, text: str | None = None) -> str:
    """A link for http(s) URLs only (a page's URL is data from the web, not to be trusted as a scheme)."""
    if not url:
        return ""
    if url.startswith(("http://", "https://")):
        return f'<a href="{_e(url)}">{_e(text or url)}</a>'
    return _e(text or url)


def _tooltip(c: Cell) -> str:
    lines = [f"{c.county} {c.year}: {STATES[c.state][2]}",
             f"government report: {c.government}",
             f"found {c.found} of {c.expected} expected ({c.departments} departments, {c.townships} townships)",
             f"tables read {c.parsed}, checks failing {c.checks_failing}, removed {c.removed}",
             f"carry-over checked {c.compared}, mismatches {len(c.mismatches)}"]
    lines += [f"{'OVERDUE' if m.overdue else 'not yet due'}: {m.organ} (due {m.due.isoformat()})" for m in c.missing]
    lines += [f"carry-over {m.year - 1}→{m.year} differs: {m.organ} ({m.forward.get('total')} ≠ "
              f"{m.over.get('total')})" for m in c.mismatches]
    return _e("\n".join(lines)).replace("\n", "&#10;")


def _cell_html(c: Cell) -> str:
    if c.government == "unknown":
        return (f'<td class="cell s-unknown" data-county="{_e(c.county)}" data-year="{c.year}" data-state="unknown" '
                f'title="{_e(c.county)} {c.year}: {_e(STATES["unknown"][2])}"><b>–</b><i>not judged</i></td>')
    notes = []
    if c.government in ("missing", "overdue"):
        notes.append("no gov")
    for n, word in ((c.overdue - (c.government == "overdue"), "late"), (c.not_due - (c.government == "missing"), "due"),
                    (c.checks_failing, "fail"), (c.found - c.parsed, "unread"), (len(c.mismatches), "Δ"),
                    (c.removed, "gone")):
        if n > 0:
            notes.append(f"{n} {word}" if word != "Δ" else f"{n}Δ")
    return (f'<td class="cell s-{c.state}" data-county="{_e(c.county)}" data-year="{c.year}" '
            f'data-state="{c.state}" title="{_tooltip(c)}"><b>{c.found}/{c.expected}</b>'
            f'<i>{_e(" · ".join(notes))}</i></td>')


_CSS = """
body{font:14px/1.4 system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:1.5em;color:#1a1a1a;background:#fff}
h1{font-size:1.4em;margin:0 0 .3em}h2{font-size:1.1em;margin:1.6em 0 .4em}
.summary{margin:.2em 0 1em;color:#333}
.legend{display:flex;flex-wrap:wrap;gap:.4em 1.4em;list-style:none;padding:0;margin:0 0 1em}
.legend li{display:flex;align-items:center;gap:.4em}
.swatch{display:inline-block;width:1.6em;height:1.1em;border:1px solid #0003;border-radius:2px}
.grid{border-collapse:separate;border-spacing:2px}
.grid th{font-weight:600;padding:.2em .5em;background:#fff;position:sticky;top:0;z-index:1}
.grid th[scope=row]{text-align:left;left:0;white-space:nowrap}
.grid th small{color:#666;font-weight:400;margin-left:.4em}
.grid td{min-width:5.2em;height:2.6em;text-align:center;vertical-align:middle;border-radius:3px;padding:.1em .3em;cursor:default}
.grid td b{display:block;font-size:1.05em}
.grid td i{display:block;font-style:normal;font-size:.75em;white-space:nowrap}
.how{color:#444;font-size:.9em;max-width:60em}
.list{border-collapse:collapse;font-size:.92em}
.list th,.list td{border-bottom:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}
.list td.n{text-align:right;font-variant-numeric:tabular-nums}
"""


def render_html(cov: Coverage) -> str:
    css = _CSS + "".join(f".s-{s}{{background:{bg};color:{fg}}}\n" for s, (bg, fg, _) in STATES.items())
    legend = "".join(f'<li><span class="swatch s-{s}"></span>{_e(text)}</li>' for s, (_, _, text) in STATES.items())
    head = "".join(f'<th class="year" scope="col">{y}</th>' for y in cov.years)
    body = []
    for county in cov.counties:
        code = cov.codes.get(county)
        cells = "".join(_cell_html(cov.cells[county, y]) for y in cov.years)
        status = cov.site_status.get(county)
        body.append(f'<tr class="county"><th scope="row">{_e(county)}'
                    f'{f"<small>{_e(code)}</small>" if code else ""}'
                    f'{f"<small>site: {_e(status)}</small>" if status else ""}</th>{cells}</tr>')

    def organ_rows(items: list[Missing]) -> str:
        if not items:
            return '<tr><td colspan="6">none</td></tr>'
        return "".join(
            f"<tr><td>{_e(m.county)}</td><td>{m.year}</td><td>{_e(m.organ)}</td><td>{_e(m.kind)}</td>"
            f"<td>{m.due.isoformat()}</td><td>{f'{m.last_year}: ' + _link(m.last_page_url) if m.last_year else ''}</td></tr>"
            for m in items)

    organ_head = "<tr><th>county</th><th>year</th><th>organ</th><th>kind</th><th>due</th><th>last report</th></tr>"
    mismatch_rows = "".join(
        f"<tr><td>{_e(m.county)}</td><td>{_e(m.organ)}</td><td>{m.year - 1}→{m.year}</td>"
        f'<td class="n">{_e(m.forward.get("total"))}</td><td class="n">{_e(m.over.get("total"))}</td>'
        f"<td>{_e(', '.join(f'{c} {m.forward.get(c)}≠{m.over.get(c)}' for c in m.columns))}</td>"
        f"<td>{_link(m.previous_page_url, str(m.year - 1))} {_link(m.page_url, str(m.year))}</td></tr>"
        for m in cov.mismatches) or '<tr><td colspan="7">none</td></tr>'
    overdue, not_due, mismatches = cov.overdue, cov.not_due, cov.mismatches
    title = f"Annual report coverage {_span(cov.years)}, as of {cov.today.isoformat()}"
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title><style>{css}</style></head>
<body>
<h1>{_e(title)}</h1>
<p class="summary">{_e(_figures(cov))}</p>
<ul class="legend" id="legend">{legend}</ul>
<table class="grid" id="grid"><thead><tr><th scope="col">county</th>{head}</tr></thead>
<tbody>{"".join(body)}</tbody></table>
<p class="how">Each cell: reports found / expected (the government's every year; a department's or township's
every year after its first report). Beneath: <b>no gov</b> the government's report is missing, <b>late</b> other
reports overdue, <b>due</b> missing but not yet due, <b>fail</b> reports whose checks fail, <b>unread</b> tables not
read, <b>Δ</b> carried-over requests differ from the year before, <b>gone</b> removed since found. Deadlines:
31 March of the next year for governments, 31 January for departments and townships. Hover a cell for details.</p>
<h2 id="overdue">Overdue ({len(overdue)})</h2>
<table class="list">{organ_head}{organ_rows(overdue)}</table>
<h2 id="mismatches">Cross-year mismatches ({len(mismatches)})</h2>
<table class="list"><tr><th>county</th><th>organ</th><th>years</th><th>carried forward</th><th>carried over</th>
<th>columns</th><th>pages</th></tr>{mismatch_rows}</table>
<h2 id="pending">Missing, not yet due ({len(not_due)})</h2>
<table class="list">{organ_head}{organ_rows(not_due)}</table>
{f"<p>{cov.undated} reports without a year are not placed.</p>" if cov.undated else ""}
</body></html>
"""


def render(cov: Coverage, fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown coverage format {fmt!r}; expected one of {FORMATS}")
    return {"table": render_table, "csv": render_csv, "html": render_html}[fmt](cov)
