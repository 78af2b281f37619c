"""Coverage for people: the terminal table, the CSV (one row per county and year) and the static HTML page
(`templates/coverage.html`, filled with `string.Template`). The rules are crawler.outputs.coverage's."""

from __future__ import annotations

import csv
import html
import io
from importlib.resources import files
from string import Template

from crawler.outputs.coverage import (
    DEPARTMENT,
    GOVERNMENT,
    STATES,
    Cell,
    Coverage,
    Mismatch,
    Missing,
    due_date,
)
from parsers.text import display_width, pad

FORMATS = ("table", "csv", "html")
PAGE = files("crawler.outputs") / "templates" / "coverage.html"


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
    """The compact terminal form of a cell, e.g. `G 3/4 !1 f1 x1`; a cell not judged `- not judged` or, with
    reports found, `- 2 found …`."""
    if c.not_judged and not c.found:
        return "- not judged"
    if c.not_judged:
        parts = ["-", f"{c.found} found"]
    else:
        parts = [{"found": "G", "removed": "R", "missing": "g", "overdue": "X"}[c.government],
                 f"{c.found}/{c.expected}"]
    for n, mark in ((c.overdue, "!"), (c.not_due, "?"), (c.checks_failing, "f"), (c.found - c.parsed, "u"),
                    (c.removed, "r"), (len(c.mismatches), "x")):
        if n:
            parts.append(f"{mark}{n}")
    return " ".join(parts)


LEGEND_TEXT = ("G government report found, R found but removed since, g missing (not yet due), X overdue, "
               "- not judged (the site's crawl did not see the reports: why, under \"not judged\"); "
               "found/expected organs; !n overdue, ?n missing not yet due, fn checks failing, un tables unread, "
               "rn removed, xn cross-year mismatches")


def not_judged(cov: Coverage) -> list[tuple[str, list[int], str]]:
    """(county, its years not judged, why) for every county with cells not judged, the reason per cell."""
    out: dict[tuple[str, str], list[int]] = {}
    for c in cov.unjudged:
        out.setdefault((c.county, c.not_judged), []).append(c.year)
    return [(county, years, why) for (county, why), years in out.items()]


def _years(years: list[int]) -> str:
    return ", ".join(map(str, years))


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
    unjudged = not_judged(cov)
    if unjudged:
        out += ["", f"not judged ({sum(len(y) for _, y, _ in unjudged)} county-years):",
                *(f"  {county} {_years(years)}: {why}" for county, years, why in unjudged)]
    if cov.undated:
        out += ["", f"{cov.undated} reports without a year are not placed"]
    return "\n".join(out) + "\n"


CSV_COLUMNS = ("county", "division_code", "site_status", "year", "state", "not_judged", "government", "found", "departments", "townships",
               "removed", "parsed", "checks_failing", "missing", "overdue", "missing_not_due", "overdue_organs",
               "missing_not_due_organs", "crossyear_compared", "crossyear_mismatches", "crossyear_mismatch_organs",
               "government_due", "departments_due")


def render_csv(cov: Coverage) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for c in cov.rows():
        w.writerow([c.county, cov.codes.get(c.county) or "", cov.site_status.get(c.county) or "", c.year, c.state,
                    c.not_judged, c.government, c.found, c.departments,
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
    lines = [f"{c.county} {c.year}: {STATES[c.state]}"]
    if c.not_judged:
        lines.append(f"not judged: {c.not_judged}")
    lines += [f"government report: {c.government}",
             f"found {c.found} of {c.expected} expected ({c.departments} departments, {c.townships} townships)",
             f"tables read {c.parsed}, checks failing {c.checks_failing}, removed {c.removed}",
             f"carry-over checked {c.compared}, mismatches {len(c.mismatches)}"]
    lines += [f"{'OVERDUE' if m.overdue else 'not yet due'}: {m.organ} (due {m.due.isoformat()})" for m in c.missing]
    lines += [f"carry-over {m.year - 1}→{m.year} differs: {m.organ} ({m.forward.get('total')} ≠ "
              f"{m.over.get('total')})" for m in c.mismatches]
    return _e("\n".join(lines)).replace("\n", "&#10;")


def _cell_html(c: Cell) -> str:
    if c.not_judged:
        notes = [f"{n} {word}" for n, word in ((c.checks_failing, "fail"), (c.found - c.parsed, "unread"),
                                               (len(c.mismatches), "Δ"), (c.removed, "gone")) if n > 0]
        return (f'<td class="cell s-{c.state}" data-county="{_e(c.county)}" data-year="{c.year}" '
                f'data-state="{c.state}" data-not-judged="{_e(c.not_judged)}" title="{_tooltip(c)}">'
                f'<b>{c.found if c.found else "–"}</b><i>{_e(" · ".join(["not judged", *notes]))}</i></td>')
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


def _organ_rows(items: list[Missing]) -> str:
    if not items:
        return '<tr><td colspan="6">none</td></tr>'
    return "".join(
        f"<tr><td>{_e(m.county)}</td><td>{m.year}</td><td>{_e(m.organ)}</td><td>{_e(m.kind)}</td>"
        f"<td>{m.due.isoformat()}</td><td>{f'{m.last_year}: ' + _link(m.last_page_url) if m.last_year else ''}</td></tr>"
        for m in items)


def _not_judged_rows(cov: Coverage) -> str:
    return "".join(f"<tr><td>{_e(county)}</td><td>{_e(_years(years))}</td><td>{_e(why)}</td></tr>"
                   for county, years, why in not_judged(cov)) or '<tr><td colspan="3">none</td></tr>'


def _mismatch_rows(items: list[Mismatch]) -> str:
    return "".join(
        f"<tr><td>{_e(m.county)}</td><td>{_e(m.organ)}</td><td>{m.year - 1}→{m.year}</td>"
        f'<td class="n">{_e(m.forward.get("total"))}</td><td class="n">{_e(m.over.get("total"))}</td>'
        f"<td>{_e(', '.join(f'{c} {m.forward.get(c)}≠{m.over.get(c)}' for c in m.columns))}</td>"
        f"<td>{_link(m.previous_page_url, str(m.year - 1))} {_link(m.page_url, str(m.year))}</td></tr>"
        for m in items) or '<tr><td colspan="7">none</td></tr>'


def _county_row(cov: Coverage, county: str) -> str:
    code, status = cov.codes.get(county), cov.site_status.get(county)
    cells = "".join(_cell_html(cov.cells[county, y]) for y in cov.years)
    return (f'<tr class="county"><th scope="row">{_e(county)}'
            f'{f"<small>{_e(code)}</small>" if code else ""}'
            f'{f"<small>site: {_e(status)}</small>" if status else ""}</th>{cells}</tr>')


def render_html(cov: Coverage) -> str:
    """One static page (no script, nothing fetched); every value from the database escaped."""
    overdue, not_due, mismatches = cov.overdue, cov.not_due, cov.mismatches
    return Template(PAGE.read_text(encoding="utf-8")).substitute(
        title=_e(f"Annual report coverage {_span(cov.years)}, as of {cov.today.isoformat()}"),
        figures=_e(_figures(cov)),
        legend="".join(f'<li><span class="swatch s-{s}"></span>{_e(text)}</li>' for s, text in STATES.items()),
        years="".join(f'<th class="year" scope="col">{y}</th>' for y in cov.years),
        counties="".join(_county_row(cov, county) for county in cov.counties),
        organ_head="<tr><th>county</th><th>year</th><th>organ</th><th>kind</th><th>due</th><th>last report</th></tr>",
        overdue_count=len(overdue), overdue_rows=_organ_rows(overdue),
        mismatch_count=len(mismatches), mismatch_rows=_mismatch_rows(mismatches),
        pending_count=len(not_due), pending_rows=_organ_rows(not_due),
        not_judged_count=len(cov.unjudged), not_judged_rows=_not_judged_rows(cov),
        undated=f"<p>{cov.undated} reports without a year are not placed.</p>" if cov.undated else "",
    )


def render(cov: Coverage, fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown coverage format {fmt!r}; expected one of {FORMATS}")
    return {"table": render_table, "csv": render_csv, "html": render_html}[fmt](cov)
