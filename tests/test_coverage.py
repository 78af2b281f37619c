"""`nianbao coverage`: county × year found / missing / overdue and the cross-year check, as a user reads them
(the terminal table, the CSV, the HTML page in a real headless Chromium), on a small hand-built database and on
a real crawl of the imitation web."""

from __future__ import annotations

import csv
import io
import json
import random
import unicodedata
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from crawler.outputs.coverage import COLUMNS, DEPARTMENT, GOVERNMENT, STATES, TOWNSHIP, compute, organ_kind
from storage.db import Store
from tests.conftest import need, run_cli
from tests.web.render import random_report

CHROMIUM = Path("/usr/bin/chromium")


def _row(n: int) -> dict[str, int]:
    return {**dict.fromkeys(COLUMNS, 0), "natural_person": n, "total": n}


def _put(store: Store, rng: random.Random, organ: str, region: str, year: int, *, over: int = 0, forward: int = 0,
         failing: bool = False) -> int:
    """Store one report of `organ` for `year` with these carried-over / carried-forward totals."""
    report = random_report(rng, "2021", organ=organ, region=region, year=year)
    report["requests"]["carried_over"] = _row(over)
    report["requests"]["carried_forward"] = _row(forward)
    report["checks"] = [{"rule": "requests.balance.total", "ok": not failing, "detail": "made up"}]
    body = json.dumps(report, ensure_ascii=False, sort_keys=True).encode()
    sha = store.documents.put(body, "application/pdf")
    page = f"https://www.example.gov.cn/{year}/{organ}.html?a=1&b=<2>"
    return store.reports.store(region, report, {"sha256": sha, "page_url": page, "document_url": page,
                                               "fetched_at": "2025-01-02T03:04:05Z", "content_type": "application/pdf",
                                               "http_status": 200}).id


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> str:
    """泾川县: government 2023 and 2024 (its 2024 report once revised), 教育局 2023 only, 城关镇 2023 and 2024 with
    a carry-over that does not match; 西峡县: government 2023 (a check failing) and a removed 财政局 2023, nothing
    for 2024; 灵台县: a site without any report."""
    path = str(tmp_path_factory.mktemp("coverage") / "c.db")
    rng = random.Random(7)
    with Store(path) as store:
        store.reports.upsert_site("泾川县", province="甘肃省", division_code="620821")
        store.reports.upsert_site("西峡县", province="河南省", division_code="411323")
        store.reports.upsert_site("灵台县", province="甘肃省", division_code="620822")
        _put(store, rng, "泾川县人民政府", "泾川县", 2023, forward=3)
        _put(store, rng, "泾川县人民政府", "泾川县", 2024, over=99)  # superseded by the next: must not count
        _put(store, rng, "泾川县人民政府", "泾川县", 2024, over=3)
        _put(store, rng, "泾川县教育局", "泾川县", 2023)
        _put(store, rng, "泾川县城关镇", "泾川县", 2023, forward=5)
        _put(store, rng, "泾川县城关镇", "泾川县", 2024, over=7)
        _put(store, rng, "西峡县人民政府", "西峡县", 2023, failing=True)
        gone = _put(store, rng, "西峡县财政局", "西峡县", 2023)
        store.reports.mark_removed(gone, "page answers 404")
    return path


def _csv(db: str, *args: str) -> dict[tuple[str, int], dict[str, str]]:
    proc = run_cli("coverage", "--db", db, "--format", "csv", *args)
    assert proc.returncode == 0, proc.stderr
    return {(r["county"], int(r["year"])): r for r in csv.DictReader(io.StringIO(proc.stdout))}


def test_organ_kinds() -> None:
    assert organ_kind("泾川县人民政府", "泾川县") == GOVERNMENT
    assert organ_kind("宁县", "宁县") == GOVERNMENT
    assert organ_kind("淮安市洪泽区人民政府", "洪泽区") == GOVERNMENT
    assert organ_kind("宁县人民政府办公室", "宁县") == DEPARTMENT
    assert organ_kind("宁县教育局", "宁县") == DEPARTMENT
    assert organ_kind("会宁县甘沟驿镇", "会宁县") == TOWNSHIP
    assert organ_kind("潢川县春申街道办事处", "潢川县") == TOWNSHIP
    assert organ_kind("太和县旧县镇人民政府", "太和县") == TOWNSHIP


def test_csv_before_any_deadline(db: str) -> None:
    rows = _csv(db, "--today", "2025-01-15")
    assert sorted({c for c, _ in rows}) == ["泾川县", "灵台县", "西峡县"]
    assert sorted({y for _, y in rows}) == [2023, 2024]  # the earliest report's year to the last one due
    j23, j24 = rows["泾川县", 2023], rows["泾川县", 2024]
    assert (j23["state"], j23["government"], j23["found"], j23["departments"], j23["townships"], j23["missing"]) == \
        ("complete", "found", "3", "1", "1", "0")
    assert j23["division_code"] == "620821"
    # 2024: the government and the township found, 教育局 missing but not yet due; the township's carry-over differs
    assert (j24["government"], j24["found"], j24["missing"], j24["overdue"], j24["missing_not_due_organs"]) == \
        ("found", "2", "1", "0", "泾川县教育局")
    assert (j24["crossyear_compared"], j24["crossyear_mismatches"], j24["crossyear_mismatch_organs"]) == \
        ("2", "1", "泾川县城关镇")  # the government's revised report carries 3 over, as 2023 carried forward
    assert j24["state"] == "failing"
    x23, x24 = rows["西峡县", 2023], rows["西峡县", 2024]
    assert (x23["found"], x23["removed"], x23["checks_failing"], x23["state"]) == ("2", "1", "1", "failing")
    assert (x24["government"], x24["missing"], x24["overdue"], x24["state"]) == ("missing", "2", "0", "pending")
    # a site without any report: every year's government report missing, 2023's overdue since 31 March 2024
    l23, l24 = rows["灵台县", 2023], rows["灵台县", 2024]
    assert (l23["government"], l23["state"], l23["overdue_organs"]) == ("overdue", "overdue", "灵台县人民政府")
    assert (l24["government"], l24["state"]) == ("missing", "pending")


def test_csv_after_the_deadlines(db: str) -> None:
    feb = _csv(db, "--today", "2025-02-15")  # departments' deadline passed, governments' not yet
    assert (feb["泾川县", 2024]["state"], feb["泾川县", 2024]["overdue_organs"]) == ("gaps", "泾川县教育局")
    assert (feb["西峡县", 2024]["state"], feb["西峡县", 2024]["government"], feb["西峡县", 2024]["overdue_organs"]) == \
        ("gaps", "missing", "西峡县财政局")
    apr = _csv(db, "--today", "2025-04-15")
    assert (apr["西峡县", 2024]["state"], apr["西峡县", 2024]["overdue"]) == ("overdue", "2")
    assert apr["灵台县", 2024]["state"] == "overdue"
    assert apr["泾川县", 2023]["state"] == "complete"
    later = _csv(db, "--today", "2026-05-01")  # 2025's reports are due now: a column of its own
    assert sorted({y for _, y in later}) == [2023, 2024, 2025]
    assert later["泾川县", 2025]["overdue_organs"] == "泾川县人民政府; 泾川县教育局; 泾川县城关镇"
    only = _csv(db, "--today", "2025-04-15", "--year", "2024")
    assert sorted({y for _, y in only}) == [2024]
    assert only["泾川县", 2024]["crossyear_mismatches"] == "1"  # compared with 2023 though it is not shown


def test_table(db: str) -> None:
    proc = run_cli("coverage", "--db", db, "--today", "2025-02-15")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "3 counties × 2 years (2023–2024)" in lines[0]
    row = next(ln for ln in lines if ln.startswith("泾川县"))
    assert row.split()[1:] == ["620821", "G", "3/3", "G", "2/3", "!1", "x1"]
    assert next(ln for ln in lines if ln.startswith("灵台县")).split()[1:] == ["620822", "X", "0/1", "!1", "g", "0/1", "?1"]
    overdue = lines[lines.index("overdue (3):") + 1:]
    assert overdue[0].startswith("  泾川县 2024 泾川县教育局 (department, due 2025-01-31; last report 2023: https://")
    text = proc.stdout
    assert "  灵台县 2023 灵台县人民政府 (government, due 2024-03-31)" in text
    assert "cross-year mismatches (1):" in text
    assert "泾川县 泾川县城关镇 2023→2024: carried_forward 5 ≠ carried_over 7 [natural_person 5≠7, total 5≠7]" in text
    # the 2024 cells start under the 2024 heading whatever the width of the county's name
    header = next(ln for ln in lines if ln.startswith("county"))
    cells = {"泾川县": "G 2/3 !1 x1", "灵台县": "g 0/1 ?1", "西峡县": "g 0/2 !1 ?1"}
    assert {_column(next(ln for ln in lines if ln.startswith(c)), cell) for c, cell in cells.items()} == \
        {_column(header, "2024")}


def _column(line: str, text: str) -> int:
    """The display column (CJK characters are two wide) at which `text` starts in `line`."""
    head = line[: line.index(text)]
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in head)


def test_every_state_has_its_colour_in_the_page_template() -> None:
    from crawler.outputs.coverage_render import PAGE

    css = PAGE.read_text(encoding="utf-8")
    assert [s for s in STATES if f".s-{s}{{background:" not in css] == []


def test_bad_today_is_one_line(db: str) -> None:
    proc = run_cli("coverage", "--db", db, "--today", "15.01.2025")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("nianbao: --as-of/--today: not a date (YYYY-MM-DD): 15.01.2025")


def test_html_in_chromium(db: str, tmp_path: Path) -> None:
    need(CHROMIUM.exists(), f"Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    out = tmp_path / "coverage.html"
    proc = run_cli("coverage", "--db", db, "--today", "2025-04-15", "--format", "html", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "written to" in proc.stderr
    page_html = out.read_text(encoding="utf-8")
    assert "<script" not in page_html and "b=&lt;2&gt;" in page_html  # static, every value escaped
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 700})
            errors: list[str] = []
            fetched: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: fetched.append(r.url))
            page.goto(out.as_uri())
            rows = page.locator("#grid tbody tr.county")
            assert rows.count() == 3
            assert page.locator("#grid thead th.year").all_inner_texts() == ["2023", "2024"]
            for i in range(3):
                assert rows.nth(i).locator("td.cell").count() == 2
            assert rows.locator("th").all_inner_texts()[0].startswith("泾川县")

            def background(county: str, year: int) -> str:
                cell = page.locator(f'td[data-county="{county}"][data-year="{year}"]')
                return cell.evaluate("e => getComputedStyle(e).backgroundColor")

            assert page.locator('td[data-county="灵台县"][data-year="2023"]').get_attribute("data-state") == "overdue"
            assert page.locator('td[data-county="泾川县"][data-year="2023"]').get_attribute("data-state") == "complete"
            overdue, complete = background("灵台县", 2023), background("泾川县", 2023)
            assert overdue != complete and "0, 0, 0, 0" not in overdue + complete, (overdue, complete)
            legend = page.locator("#legend")
            assert legend.is_visible()
            assert legend.locator("li").count() == len(STATES)
            assert all(legend.locator("li").nth(i).is_visible() for i in range(5))
            assert "泾川县教育局" in page.locator('td[data-county="泾川县"][data-year="2024"]').get_attribute("title")
            assert page.locator("#overdue").inner_text() == "Overdue (5)"
            links = page.locator("h2#mismatches + table a")
            assert links.count() == 2 and links.nth(0).get_attribute("href").startswith("https://www.example.gov.cn/")
            shot = tmp_path / "coverage.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
            print(f"screenshot: {shot}")
            assert errors == []
            assert [u for u in fetched if not u.startswith("file://")] == []
        finally:
            browser.close()


# ---------------------------------------------------------------- a real crawl of the imitation web
@pytest.fixture(scope="module")
def crawled(imitation_crawl, tmp_path_factory):
    return imitation_crawl.web, imitation_crawl.copy(tmp_path_factory.mktemp("crawl"))


def _key(organ: str, county: str) -> str:
    return GOVERNMENT if organ_kind(organ, county) == GOVERNMENT else organ


def test_found_counts_equal_the_imitation_webs_truth(crawled) -> None:
    web, db = crawled
    rows = _csv(db, "--today", "2025-06-01")
    ok = [s for s in web.sites if s.status == "ok"]
    years = sorted({r.year for s in ok for r in s.reports})
    assert sorted({y for _, y in rows}) == years
    assert len({c for c, _ in rows}) == len(web.sites)  # sites without a report are rows too (by site name)
    for site in ok:
        truth = Counter(r.year for r in site.reports)
        got = {y: int(rows[site.name, y]["found"]) for y in years}
        assert got == {y: truth.get(y, 0) for y in years}, site.name
        assert {rows[site.name, y]["government"] for y in years} == {"found"}, site.name
        # the cross-year check agrees with the numbers the site published
        by: dict[str, dict[int, Any]] = defaultdict(dict)
        for r in site.reports:
            by[_key(r.organ, site.name)][r.year] = r.report["requests"]
        want = Counter(y for reports in by.values() for y in reports if y - 1 in reports
                       and reports[y - 1]["carried_forward"] != reports[y]["carried_over"])
        assert {y: int(rows[site.name, y]["crossyear_mismatches"]) for y in years} == \
            {y: want.get(y, 0) for y in years}, site.name

    def row_name(s: Any) -> str:  # a county with reports is its row; a site without is its name (here host:port)
        return s.name if s.status == "ok" else s.start_url.split("//")[1].rstrip("/")

    others = {c for c, _ in rows} - {s.name for s in ok}
    assert len(others) == len(web.sites) - len(ok)
    # a site that did not end ok (blocked, dead, robots, no_column) is not judged, with its ending as the reason
    failed = {row_name(s): s.status for s in web.sites if s.status != "ok"}
    assert set(failed) == others and "no_column" in failed.values()
    assert all(rows[c, y]["found"] == "0" and rows[c, y]["state"] == "unknown" and rows[c, y]["overdue"] == "0"
               and f" ended {failed[c]}" in rows[c, y]["not_judged"] for c in others for y in years)
    assert all(rows[s.name, y]["not_judged"] == "" for s in ok for y in years)
    # each row says how crawling its site went, so a blocked site is not mistaken for a silent county
    assert {s.name: rows[row_name(s), years[0]]["site_status"] for s in web.sites} == \
        {s.name: s.status for s in web.sites}


def test_compute_in_process_matches_the_csv(crawled) -> None:
    web, db = crawled
    with Store(db) as store:
        cov = compute(store, today=date(2025, 6, 1))
    assert cov.found == sum(len(s.reports) for s in web.sites)


# ---------------------------------------------------------------- what a crawl did not see is not judged
@pytest.fixture(scope="module")
def endings(tmp_path_factory) -> str:
    """Counties whose sites' last crawls ended each way, some with reports stored (a government's 2023 and
    2024 reports unless said otherwise)."""
    from storage.kinds import SiteResult

    path = str(tmp_path_factory.mktemp("endings") / "e.db")
    rng = random.Random(11)
    plan = {  # county: (status, reason, years of the government's reports, found by the last crawl)
        "甲县": ("ok", "2 reports", (2023, 2024), 2),
        "乙县": ("no_column", "no 年报 column among 40 menu pages", (), 0),
        "丙县": ("dead", "homepage never answered (connection refused)", (2023,), 0),
        "丁县": ("blocked", "WAF answer 412", (), 0),
        "戊县": ("partial", "list announced 30 entries, 12 read", (2023,), 1),
        "己县": ("budget", "600 list pages asked for", (2024,), 1),
        "庚县": ("ok", "0 reports", (2023,), 0),  # reached, nothing found where there were reports: flagged
        "辛县": ("", "", (2023,), 0),  # no crawl recorded (a store filled otherwise): judged
    }
    with Store(path) as store:
        run = store.runs.start({})
        for county, (status, reason, years, found) in plan.items():
            store.reports.upsert_site(county, province="某省")
            for y in years:
                _put(store, rng, f"{county}人民政府", county, y, failing=county == "丙县")
            if county == "戊县":
                _put(store, rng, f"{county}教育局", county, 2023)
            if status:
                store.runs.site_result(run, SiteResult(county, status, reason, reports_found=found))
        store.runs.finish(run, "ok", {})
    return path


def test_only_what_a_finished_crawl_saw_is_judged(endings: str) -> None:
    rows = _csv(endings, "--today", "2026-05-01")
    assert sorted({y for _, y in rows}) == [2023, 2024, 2025]

    def states(county: str) -> list[str]:
        return [rows[county, y]["state"] for y in (2023, 2024, 2025)]

    # ok: judged every year; 2025's report is overdue since 31 March 2026
    assert states("甲县") == ["complete", "complete", "overdue"]
    assert all(rows["甲县", y]["not_judged"] == "" for y in (2023, 2024, 2025))
    # no_column, blocked: nothing seen, nothing judged; the reason names the ending and what the crawl said
    for county, words in (("乙县", "site 乙县 ended no_column: no 年报 column among 40 menu pages"),
                          ("丁县", "site 丁县 ended blocked: WAF answer 412")):
        assert states(county) == ["unknown"] * 3
        assert {rows[county, y]["not_judged"] for y in (2023, 2024, 2025)} == {words}
        assert {rows[county, y]["overdue"] for y in (2023, 2024, 2025)} == {"0"}
    # dead, with a report stored earlier: it still counts (and its failing check shows), nothing is missing
    assert states("丙县") == ["failing", "unknown", "unknown"]
    assert (rows["丙县", 2023]["found"], rows["丙县", 2024]["missing"]) == ("1", "0")
    assert rows["丙县", 2024]["not_judged"].startswith("site 丙县 ended dead: homepage never answered")
    # partial / budget: the years with reports seen are judged, the others not
    assert states("戊县") == ["complete", "unknown", "unknown"]
    assert rows["戊县", 2024]["not_judged"] == \
        "no report seen for the year; site 戊县 ended partial: list announced 30 entries, 12 read"
    assert states("己县") == ["unknown", "complete", "unknown"]
    assert "ended budget: 600 list pages asked for" in rows["己县", 2023]["not_judged"]
    # flagged no_reports (reports stored before, this crawl found none): not judged, the flag's reason shown
    assert states("庚县") == ["unknown"] * 3
    assert rows["庚县", 2024]["not_judged"].startswith("site 庚县 flagged no_reports: 1 reports stored before")
    # no crawl recorded: judged as before
    assert states("辛县") == ["complete", "overdue", "overdue"]
    overdue = {(c, y) for (c, y), r in rows.items() if r["overdue"] != "0"}
    assert overdue == {("甲县", 2025), ("辛县", 2024), ("辛县", 2025)}


def test_the_reason_is_in_the_table_and_the_page(endings: str, tmp_path: Path) -> None:
    proc = run_cli("coverage", "--db", endings, "--today", "2026-05-01")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "3 overdue (3 government)" in lines[0]
    assert next(ln for ln in lines if ln.startswith("乙县")).split()[1:] == ["no_column", *["-", "not", "judged"] * 3]
    assert next(ln for ln in lines if ln.startswith("丙县")).split()[1:5] == ["dead", "-", "1", "found"]
    unjudged = lines[lines.index("not judged (16 county-years):") + 1:]
    assert "  乙县 2023, 2024, 2025: site 乙县 ended no_column: no 年报 column among 40 menu pages" in unjudged
    assert "  戊县 2024, 2025: no report seen for the year; site 戊县 ended partial: list announced 30 entries, " \
        "12 read" in unjudged

    out = tmp_path / "c.html"
    assert run_cli("coverage", "--db", endings, "--today", "2026-05-01", "--format", "html",
                   "--out", str(out)).returncode == 0
    page = out.read_text(encoding="utf-8")
    assert 'data-county="丁县" data-year="2024" data-state="unknown" data-not-judged="site 丁县 ended blocked: ' \
        'WAF answer 412"' in page
    assert "Not judged (16 county-years)" in page
    assert "<tr><td>丁县</td><td>2023, 2024, 2025</td><td>site 丁县 ended blocked: WAF answer 412</td></tr>" in page


def test_the_demo_judges_as_of_the_imitation_webs_date(crawled) -> None:
    """The demo's closing coverage line (the same function `nianbao demo` prints) is as of the day the web's
    calendar ends: no government report overdue, no year the web could not hold yet; what is overdue is
    exactly the department and township reports the web's columns lack after an organ's first report."""
    from crawler.cli import demo_coverage

    web, db = crawled
    as_of = web.today
    ok = [s for s in web.sites if s.status == "ok"]
    last = max(r.year for s in ok for r in s.reports)
    assert as_of.year == last + 1  # the newest reports (the last year's) are published in the next
    line = demo_coverage(db, as_of)
    assert line.startswith(f"coverage as of {as_of.isoformat()}: ") and "(0 government)" in line, line
    with Store(db) as store:
        cov = compute(store, today=as_of)
    assert cov.years[-1] == last and not any(c.state == "overdue" for c in cov.rows())
    want = set()
    for site in ok:
        by: dict[str, set[int]] = defaultdict(set)
        for r in site.reports:
            if organ_kind(r.organ, site.name) != GOVERNMENT:
                by[r.organ].add(r.year)
        want |= {(site.name, organ, y) for organ, years in by.items() for y in cov.years
                 if y > min(years) and y not in years and as_of > date(y + 1, 1, 31)}
    assert {(m.county, m.organ, m.year) for m in cov.overdue} == want
    assert f"{len(want)} overdue (0 government)" in line
    # as of the real today (any day after the next year's deadlines), the same store would look overdue
    with Store(db) as store:
        later = compute(store, today=date(last + 2, 4, 1))
    assert sum(m.kind == GOVERNMENT for m in later.overdue) == len(ok)
