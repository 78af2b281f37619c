"""Rows → the `nianbao.report/1` object: template, values by label, identity and the form's checks."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from .forms import (
    APPEAL_BLOCKS,
    APPEAL_COLUMNS,
    APPEALS,
    REQUEST_COLUMNS,
    TEMPLATES,
    RowSpec,
    Template,
)
from .identity import identify, report_titles
from .rows import Extract, Row
from .text import DOUBT, cell_unit, doubtful, fair, parse_value, squash

SCHEMA = "nianbao.report/1"
MAX_LABEL_PIECES = 4  # a label is its own piece plus at most three pieces before it (a wrapped label)
_NUMBERING = re.compile(r"^(?:[一二三四五六七八九十]+[、.．,，]|[(（][一二三四五六七八九十\d]+[)）]|\d{1,2}[.、．,，)）]?)+")
_CLEAN = re.compile(r"[\"'“”‘’「」『』《》:：;；,，。、.．]")


_ALL_APPEALS = RowSpec("appeals", "all", APPEAL_COLUMNS * 3)


class NotAReport(Exception):
    """The document is readable but is not a 政府信息公开工作年度报告."""


@dataclass
class Match:
    row: Row
    values: list[Any]  # the row's cells placed in the spec's columns ([] when they could not be placed)


def detect_template(text: str, rows: list[Row]) -> str | None:
    """The form the tables follow, from the tables' own headings (not from the year).

    Without headings, three （六）其他处理 sub-rows mean 2021; otherwise it is left undecided (None).
    """
    flat = squash(text)
    scores = {name: sum(flat.count(m) for m in t.markers) for name, t in TEMPLATES.items()}
    best = max(scores, key=lambda k: scores[k])
    if scores[best]:
        return best
    split_other = next(s for s in TEMPLATES["2021"].requests if s.key == "other_no_correction")
    if any(_find((split_other,), r) for r in rows):
        return "2021"
    return None


def _strip_numbering(label: str) -> str:
    return _NUMBERING.sub("", label)


def _labels(row: Row) -> list[str]:
    """Candidate labels for a row, most likely first.

    The row's own piece comes first. A label wrapped over lines puts its end after the values (when the
    numbers sit on the label's first line) or its start before them (when they sit on its last line):
    a piece that opens with its own numbering (1. （三） 四、) is a label's start, so it is completed
    from the text after it first; a piece without numbering is completed from the pieces before it first.
    """
    parts = [_CLEAN.sub("", squash(p)) for p in row.parts]
    tail = [_CLEAN.sub("", squash(p)) for p in row.tail]
    own = parts[-1] if parts else ""
    after = [own + tail[0]] if tail and tail[0] and not _NUMBERING.match(tail[0]) else []
    if row.own_cell and row.tail_cell and row.tail_cell != (row.tail or [""])[0]:
        after.append(_CLEAN.sub("", squash(row.own_cell + row.tail_cell)))
    before = ["".join(parts[-k:]) for k in range(2, min(MAX_LABEL_PIECES, len(parts)) + 1)]
    ordered = [own, *after, *before] if _NUMBERING.match(own) else [own, *before, *after]
    return [label for label in ordered if label]


def _best(specs: tuple[RowSpec, ...], label: str, ncells: int | None) -> RowSpec | None:
    """The spec a label names: an exact label, else the phrase that ends last (the longest on a tie)."""
    bare = _strip_numbering(label)
    best: tuple[int, int, RowSpec] | None = None
    for spec in specs:
        if ncells is not None and not _count_fits(spec, ncells):
            continue
        if bare in spec.exact:
            return spec
        for phrase in spec.phrases:
            at = label.rfind(phrase)
            if at >= 0:
                cand = (at + len(phrase), len(phrase), spec)
                if best is None or cand[:2] > best[:2]:
                    best = cand
    return best[2] if best else None


def _find(specs: tuple[RowSpec, ...], row: Row, ncells: int | None = None) -> RowSpec | None:
    """The spec whose label fits the row (see `_labels`)."""
    for label in _labels(row):
        spec = _best(specs, label, ncells)
        if spec is not None:
            return spec
    return None


def _count_fits(spec: RowSpec, n: int) -> bool:
    want = len(spec.columns)
    return n >= want or (want == 7 and n >= 5)


_BLANK = ("", DOUBT)  # a blank cell, or one OCR saw ink in but read nothing: trimmed first when a row has too many


def _fit(spec: RowSpec, row: Row, as_grid: bool = False) -> tuple[list[str | None] | None, str | None]:
    """The row's cells as exactly the spec's columns, or None when they cannot be placed safely.

    `as_grid`: read a tab-separated line as a full grid row (every blank a cell), right-aligned for the
    wide tables and left-aligned for the narrow ones.
    """
    want = len(spec.columns)
    g = row.grid
    if as_grid and g is not None and len(g) >= want:
        if want >= 5 and not any(g[:-want]):
            return list(g[-want:]), None
        if want < 5 and not any(g[want:]):
            return list(g[:want]), None
    cells: list[str] = list(row.cells)
    while len(cells) > want and cells[-1] in _BLANK:
        cells.pop()
    while len(cells) > want and cells[0] in _BLANK:
        cells.pop(0)
    if len(cells) == want:
        return list(cells), None
    if len(cells) > want:
        return None, f"{len(cells)} cells where the form has {want}"
    if spec.columns == REQUEST_COLUMNS and len(cells) >= 5 and not row.positional:
        # text extraction dropped blank cells: natural persons come first, 其他 and 总计 last, and
        # the row's own total says whether the missing middle cells can only be blank
        missing = want - len(cells)
        placed: list[str | None] = [*cells[:-2], *([""] * missing), *cells[-2:]]
        nums = [parse_value(c) for c in placed]
        if None not in nums and sum(nums[:-1]) == nums[-1]:
            return placed, f"{missing} blank cell(s) not printed; the row total shows they are 0"
    return None, f"{len(cells)} cells where the form has {want}"


_DOTTED = re.compile(r"\d\s*[.·]\s*\d")


def _dust_doubted(spec: RowSpec, cells: list[str | None]) -> list[str | None]:
    """Cells of an OCR'd row: a count (no decimals in its column) read with a point in it is doubtful, as a speck
    of dust read as a point (30 read as 3.0 is 3 to the number); it stands only where the arithmetic confirms it."""
    return [c + DOUBT if c and col not in spec.decimals and not doubtful(c) and _DOTTED.search(c) else c
            for col, c in zip(spec.columns, cells, strict=True)]


def _values(spec: RowSpec, cells: list[str | None]) -> tuple[dict[str, Any], list[str]]:
    out: dict[str, Any] = {}
    bad: list[str] = []
    for col, cell in zip(spec.columns, cells, strict=True):
        decimals = col in spec.decimals
        unit = spec.unit if decimals else None
        value = parse_value(cell, decimals=decimals, unit=unit)
        if value is None:
            bad.append(f"{col}={cell!r}")
        out[col] = value
    return out, bad


def build(extract: Extract) -> dict[str, Any]:
    """The report object for one extracted document. Raises NotAReport."""
    ident = identify(extract.text, extract.title_hints)
    checks: list[dict[str, Any]] = []
    template_name = detect_template(extract.text, extract.rows)

    if template_name is None and ident.year is not None and ident.title and any(
        _find(TEMPLATES["2021"].requests, r) for r in extract.rows
    ):
        template_name = "2021" if ident.year >= 2021 else "2019"

    report: dict[str, Any] = {
        "schema": SCHEMA,
        "title": ident.title,
        "year": ident.year,
        "region": ident.region,
        "organ": ident.organ,
        "template": template_name,
    }
    if extract.ocr is not None:
        report["document"] = {"ocr": dict(extract.ocr)}
    if template_name is None:
        _refuse_list(extract.text)
        if not extract.text_layer:
            why = "OCR found no text in its images" if extract.ocr else "the document has no text layer (a scan or image)"
            checks.append(_check("document.text_layer", False, f"{why}; tables not read"))
        elif ident.title is None:
            raise NotAReport("no 政府信息公开工作年度报告 title and no disclosure tables")
        elif ident.year is not None and ident.year < 2019:
            report["template"] = "none"
        else:
            checks.append(_check("tables.found", False, "no table of the national form was found"))
        report.update(active=None, requests=None, appeals=None, checks=checks)
        return report

    template = TEMPLATES[template_name]
    grid_possible = any(r.grid for r in extract.rows)
    readings = [_read_tables(template, extract.rows, as_grid) for as_grid in ((False, True) if grid_possible else (False,))]
    # a tab-separated text may be a faithful grid or a lossy one: the reading the form's arithmetic
    # agrees with more wins (the lossy reading on a tie)
    tables, rows_found, table_checks, doubts = min(readings, key=lambda r: _badness(template.name, r))
    if ident.title is None and rows_found < 5:
        raise NotAReport("no 政府信息公开工作年度报告 title and too few rows of the national form")
    report.update(tables)
    checks.extend(table_checks)
    checks.extend(_identity_checks(ident))
    if extract.ocr is not None:
        checks.extend(_ocr_identity(ident, extract))
        checks.extend(_ocr_checks(report, doubts, extract.ocr))
    checks.extend(arithmetic_checks(report))
    report["checks"] = checks
    return report


MIN_LIST_TITLES = 3


def _refuse_list(text: str) -> None:
    """A page of report titles without tables is a list of reports, not a report: judged by what it holds
    (several distinct report titles, fewer sentences than titles), not by its markup."""
    titles = report_titles(text.splitlines())
    if len(titles) >= MIN_LIST_TITLES and text.count("。") < len(titles):
        raise NotAReport(f"a list of reports ({len(titles)} report titles, no tables of the national form)")


Cell = tuple[str, str, str]  # (section, row key, column)
Doubt = tuple[str, str, str, bool]  # a cell OCR was not sure of; True: only fairly sure (text.FAIR)
Reading = tuple[dict[str, Any], int, list[dict[str, Any]], list[Doubt]]


def _read_tables(template: Template, rows: list[Row], as_grid: bool) -> Reading:
    """The three tables, how many rows of the form were found, the checks so far, and the cells OCR doubted."""
    checks: list[dict[str, Any]] = []
    doubts: list[Doubt] = []
    matches = _match_rows(template, rows, checks, as_grid)
    rows_found = sum(1 for m in matches.values() if any(str(v).strip() for v in m.values))
    tables = {
        "active": _section(template.active, matches, checks, doubts),
        "requests": _section(template.requests, matches, checks, doubts),
        "appeals": _section(APPEALS, matches, checks, doubts),
    }
    return tables, rows_found, checks, doubts


def _badness(template: str, reading: Reading) -> int:
    tables, _, checks, _ = reading
    probe = {"template": template, **tables}
    failed = sum(1 for c in [*checks, *arithmetic_checks(probe)] if not c["ok"])
    nulls = sum(v is None for section in tables.values() for row in section.values() for v in row.values())
    return failed + nulls


def _match_rows(template: Template, rows: list[Row], checks: list[dict[str, Any]], as_grid: bool) -> dict[str, Match]:
    specs = (*template.active, *template.requests)
    found: dict[str, Match] = {}
    repeated: list[str] = []
    in_appeals = False
    at: dict[str, int] = {}  # the row each spec was found at
    unmatched: list[tuple[int, Row, int]] = []  # OCR rows of values no label matched, for _fuzzy
    for index, row in enumerate(rows[_tables_start(rows) :]):
        context = "".join(squash(p) for p in row.parts)
        if "复议" in context or "诉讼" in context:
            in_appeals = True
        n = len(row.grid) if as_grid and row.grid else len(row.cells)
        if in_appeals and n >= 15 and "appeals" not in found:
            cells, _ = _fit(_ALL_APPEALS, row, as_grid)
            if cells is not None:
                found["appeals"] = Match(row, cells)
                continue
        spec = _find(specs, row, n) or (_find(APPEALS, row, n) if in_appeals and row.cells else None)
        if spec is None:
            if row.ocr and not in_appeals and row.cells:
                unmatched.append((index, row, n))
            continue
        at.setdefault(spec.key, index)
        if spec.key in found:
            if found[spec.key].values and _fit(spec, row, as_grid)[0] is not None:
                repeated.append(spec.key)
            continue
        cells_fit, note = _fit(spec, row, as_grid)
        found[spec.key] = Match(row, cells_fit or [])
        if cells_fit is None:
            checks.append(_check(f"{spec.section}.{spec.key}.cells", False, f"row {row.label!r}: {note}"))
        elif note:
            checks.append(_check(f"{spec.section}.{spec.key}.cells", True, f"row {row.label!r}: {note}"))
    for spec, row in _fuzzy(specs, unmatched, found, at):
        cells_fit, note = _fit(spec, row, as_grid)
        if cells_fit is None:
            continue
        found[spec.key] = Match(row, cells_fit)
        checks.append(_check(f"{spec.section}.{spec.key}.label", True, f"row {row.label!r} read by OCR taken for "
                             f"{spec.key}: the form's row between its neighbours whose label it is nearest"))
    if len(set(repeated)) >= MIN_REPEATED_ROWS:
        keys = sorted(set(repeated), key=repeated.index)
        checks.append(_check("tables.single", False, f"{len(keys)} rows of the form are printed more than once "
                             f"({', '.join(keys[:4])}…): the document holds several reports' tables (a comparison?); "
                             "the first of each was read"))
    if "appeals" in found:
        whole = found.pop("appeals")
        for i, block in enumerate(APPEAL_BLOCKS):
            found.setdefault(block, Match(whole.row, whole.values[i * 5 : i * 5 + 5]))
    return found


def _fuzzy(specs: tuple[RowSpec, ...], unmatched: list[tuple[int, Row, int]], found: dict[str, Match],
           at: dict[str, int]) -> list[tuple[RowSpec, Row]]:
    """OCR rows whose label matched no row of the form, each taken for the missing row of the form its label
    is nearest to, where that is unambiguous: the form's rows come in the form's order, so a row read between
    the rows found for two specs can only be a spec between them that was not found; of those, its label must
    be within half a phrase's characters of one phrase (行改处司 for 行政处罚: two misread) and strictly nearer
    than every other spec's phrases (those found too). Only the row's own label piece counts (the headings
    before it hold other rows' words). A row that could be two specs, or a spec two rows
    could be, is left alone."""
    order = {s.key: k for k, s in enumerate(specs)}
    claims: dict[str, list[Row]] = {}
    picks: list[tuple[RowSpec, Row]] = []
    for index, row, n in unmatched:
        before = max((order[key] for key, i in at.items() if i < index and key in order), default=-1)
        after = min((order[key] for key, i in at.items() if i > index and key in order), default=len(specs))
        between = [s for s in specs[before + 1 : after] if s.key not in found and _count_fits(s, n)]
        if not between:
            continue
        own = _CLEAN.sub("", squash(row.parts[-1])) if row.parts else ""
        near = sorted((_nearness(s, [own]), k) for k, s in enumerate(specs))
        best, second = near[0], (near[1] if len(near) > 1 else (math.inf, -1))
        spec = specs[best[1]]
        if spec in between and best[0] <= 0.5 and best[0] < second[0]:
            claims.setdefault(spec.key, []).append(row)
            picks.append((spec, row))
    return [(s, r) for s, r in picks if len(claims[s.key]) == 1]


def _nearness(spec: RowSpec, labels: list[str]) -> float:
    """How far a spec's nearest phrase (of three characters or more) is from occurring in one of the labels:
    edits over the phrase's length (0: it occurs)."""
    best = math.inf
    for phrase in (*spec.phrases, *spec.exact):
        if len(phrase) < 3:
            continue
        for label in labels:
            best = min(best, _substring_edits(phrase, _strip_numbering(label)) / len(phrase))
    return best


def _substring_edits(phrase: str, text: str) -> int:
    """The fewest edits (insert, delete, replace a character) that make `phrase` occur in `text` (Sellers)."""
    prev = [0] * (len(text) + 1)
    for i, ch in enumerate(phrase, 1):
        cur = [i] + [0] * len(text)
        for j, tc in enumerate(text, 1):
            cur[j] = min(prev[j - 1] + (ch != tc), prev[j] + 1, cur[j - 1] + 1)
        prev = cur
    return min(prev)


MIN_REPEATED_ROWS = 5  # rows of the form found twice, filled both times: two sets of tables
_TABLE_HEADINGS = ("第二十条", "信息内容")


def _tables_start(rows: list[Row]) -> int:
    """The first row of the form's tables (where 第二十条 / 信息内容 head them): numbers in the prose before never count."""
    for i, row in enumerate(rows):
        if any(h in squash(p) for p in row.parts for h in _TABLE_HEADINGS):
            return i
    return 0


def _section(specs: tuple[RowSpec, ...], matches: dict[str, Match], checks: list[dict[str, Any]],
             doubts: list[Doubt]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    missing: list[str] = []
    for spec in specs:
        m = matches.get(spec.key)
        if m is None or not m.values:
            out[spec.key] = dict.fromkeys(spec.columns)
            if spec.key == "procurement":
                out[spec.key]["amount_unit"] = None  # the schema's shape holds even when the row is missing
            if m is None:
                missing.append(spec.key)
            continue
        cells = _dust_doubted(spec, m.values) if m.row.ocr else m.values
        values, bad = _values(spec, cells)
        doubts.extend((spec.section, spec.key, col, not doubtful(cell))
                      for col, cell in zip(spec.columns, cells, strict=True)
                      if (doubtful(cell) or fair(cell)) and values[col] is not None)
        if spec.key == "procurement":
            values["amount_unit"] = _amount_unit(m)
        out[spec.key] = values
        if bad:
            checks.append(_check(f"{spec.section}.{spec.key}.values", False, "unreadable cell(s): " + ", ".join(bad)))
        if spec.unit:
            for col, cell in zip(spec.columns, m.values, strict=True):
                printed = cell_unit(cell)
                if printed and printed != spec.unit:
                    checks.append(_check(f"{spec.section}.{spec.key}.unit", True, f"{col} printed in {printed}, converted to {spec.unit}"))
    if missing:
        section = specs[0].section
        optional = [s.key for s in specs if s.optional]
        detail = "rows not found in the document: " + ", ".join(missing)
        # the one-row form lacks every row merged into `other`; one of them printed means the others are lost
        only_merged = bool(optional) and "other" in matches and sorted(missing) == sorted(optional)
        if only_merged:
            detail += " (the form prints （六）其他处理 as one row, mapped to other)"
        # a legitimately merged row is said, not failed: its numbers are in `other`
        checks.append(_check(f"{section}.rows", only_merged, detail))
    return out


def _amount_unit(m: Match) -> str | None:
    unit = cell_unit(m.values[1]) if len(m.values) > 1 else None
    if unit in ("万元", "元"):
        return unit
    context = "".join(squash(p) for p in m.row.parts)
    hit = re.findall(r"(万元|元)", context)
    return hit[-1] if hit else None


def _identity_checks(ident: Any) -> list[dict[str, Any]]:
    out = []
    if ident.title is None:
        out.append(_check("identity.title", False, "no report title found in the document"))
    if ident.title_year and ident.period_year and ident.title_year != ident.period_year:
        out.append(
            _check("identity.year", False, f"title says {ident.title_year}, the 统计期限 says {ident.period_year}")
        )
    return out


def _ocr_identity(ident: Any, extract: Extract) -> list[dict[str, Any]]:
    """OCR misreads a rare character for a common one with full confidence (淅川县 as 浙川县), and no arithmetic
    checks a name: an identity read from images stands confirmed only where text the document also holds (a text
    layer, its title property, the page's <title>) names the same organ (the crawl adds the list's title)."""
    name = ident.organ or ident.title
    if name is None:
        return []
    texts = [extract.layer_text, *extract.title_hints]
    if any(name in t for t in texts if t):
        return [_check("identity.ocr", True, f"{name}: read by OCR and named in the document's text too")]
    return [_check("identity.ocr", False, f"{name}: read by OCR only, which can take one character for a similar "
                   "one; no text of the document names it")]


def _rules(report: dict[str, Any], cell: Cell) -> list[str]:
    """The arithmetic checks (by rule name) a cell takes part in."""
    section, key, col = cell
    if section == "appeals":
        return [f"appeals.{key}.total"]
    if section != "requests":
        return []  # the active tables have no arithmetic
    out = [f"requests.row_total.{key}"]
    if key in ("new", "carried_over", "handled_total", "carried_forward"):
        out.append(f"requests.balance.{col}")
    results = {s.key for s in TEMPLATES[report["template"]].requests[2:-2]}
    if key in results or key == "handled_total":
        out.append(f"requests.handled_total.{col}")
    return out


def _ocr_checks(report: dict[str, Any], doubts: list[Doubt], summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Settle the numbers the OCR was unsure of, and say the report was read by OCR.

    An unsure number stands only when every arithmetic check it takes part in holds, and either two of them
    do (a row and a column) or one does with no other unsure number in it (two misreadings in one sum could
    cancel out); otherwise it is null,
    with a failing check naming the cell. A number read only fairly surely stands where arithmetic covers it
    (a misreading fails a check there) and is null where none does: nothing else would catch a misreading.
    Never a guess: a number is kept as read or dropped, never derived.
    """
    ok = {c["rule"]: c["ok"] for c in arithmetic_checks(report)}
    unchecked = [d[:3] for d in doubts if d[3] and not _rules(report, d[:3])]
    rules = {d[:3]: _rules(report, d[:3]) for d in doubts if not d[3]}
    crowd: dict[str, int] = {}
    for names in rules.values():
        for name in names:
            crowd[name] = crowd.get(name, 0) + 1
    out: list[dict[str, Any]] = []
    dropped: list[Cell] = []
    for cell, names in rules.items():
        held = [n for n in names if n in ok]
        sure = held and all(ok[n] for n in held) and (len(held) >= 2 or crowd[held[0]] == 1)
        if not sure:
            dropped.append(cell)
    for section, key, col in dropped:
        read = report[section][key][col]
        report[section][key][col] = None
        out.append(_check(f"{section}.{key}.ocr", False,
                          f"{col}: OCR unsure of its reading ({read}) and the form's arithmetic does not confirm it; left null"))
    for section, key, col in unchecked:
        read = report[section][key][col]
        report[section][key][col] = None
        out.append(_check(f"{section}.{key}.ocr", False, f"{col}: OCR read {read} not surely enough for a cell no "
                          "arithmetic of the form covers; left null"))
    summary["doubtful_numbers"] = len(rules)
    summary["confirmed_by_arithmetic"] = len(rules) - len(dropped)
    summary["left_null"] = len(dropped) + len(unchecked)
    out.append(_check("document.ocr", True, (
        f"read by OCR ({summary['engine']}): {summary['pages']} page(s), {summary['boxes']} text boxes, "
        f"mean confidence {summary['mean_confidence']}; {len(rules)} unsure number(s) in the tables, "
        f"{len(rules) - len(dropped)} confirmed by the form's arithmetic, {len(dropped)} left null; "
        f"{len(unchecked)} fairly sure number(s) without arithmetic left null")))
    report["document"] = {"ocr": summary}
    return out


def _check(rule: str, ok: bool, detail: str) -> dict[str, Any]:
    return {"rule": rule, "ok": ok, "detail": detail}


def _sum(values: list[Any]) -> int | float | None:
    return None if any(v is None for v in values) else sum(values)


def arithmetic_checks(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The form's own arithmetic (勾稽关系). Never changes a number; skips a check that meets a null."""
    out: list[dict[str, Any]] = []
    req = report.get("requests")
    if req:
        template = TEMPLATES[report["template"]]
        result_rows = template.requests[2:-2]
        for col in REQUEST_COLUMNS:
            a = _sum([req["new"][col], req["carried_over"][col]])
            b = _sum([req["handled_total"][col], req["carried_forward"][col]])
            if a is not None and b is not None:
                out.append(_check(
                    f"requests.balance.{col}", a == b,
                    f"new + carried_over = {a}, handled_total + carried_forward = {b}",
                ))
            parts = [req[s.key][col] for s in result_rows if not _unprinted(req, s)]
            s, total = _sum(parts), req["handled_total"][col]
            if s is not None and total is not None:
                out.append(_check(f"requests.handled_total.{col}", s == total, f"sum of results = {s}, 总计 = {total}"))
        for key, row in req.items():
            s, total = _sum([row[c] for c in REQUEST_COLUMNS[:-1]]), row["total"]
            if s is not None and total is not None:
                out.append(_check(f"requests.row_total.{key}", s == total, f"sum of applicants = {s}, 总计 = {total}"))
    appeals = report.get("appeals")
    if appeals:
        for block, row in appeals.items():
            s, total = _sum([row[c] for c in APPEAL_COLUMNS[:-1]]), row["total"]
            if s is not None and total is not None:
                out.append(_check(f"appeals.{block}.total", s == total, f"sum of results = {s}, 总计 = {total}"))
    return out


def _unprinted(req: dict[str, Any], spec: RowSpec) -> bool:
    """An optional row the document does not print (merged into another): it adds nothing to a sum."""
    return spec.optional and all(v is None for v in req[spec.key].values())
