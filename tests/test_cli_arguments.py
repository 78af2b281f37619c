"""User mistakes in options end as exit 2 and one line naming the bad value (crawler/argtypes.py), before any
store is opened or crawl started; never "internal error", never a traceback, and nonsense (an infinite delay,
zero runs, year 0) is refused rather than accepted."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crawler.argtypes import delay, every, year
from tests.conftest import run_in_process

NOT_UTF8 = os.fsdecode(b"/tmp/\xff\xfe.db")  # as Python hands a non-UTF-8 argv to the program


# (arguments, the text the message must contain); `{tmp}` is a fresh directory
CASES = [
    (["coverage", "--year", "99999"], "--year: not a year from 2008"),
    (["coverage", "--year", "-5"], "--year: not a year from 2008"),
    (["coverage", "--year", "0"], "--year: not a year from 2008"),
    (["coverage", "--year", "twenty"], "--year: not a year"),
    (["coverage", "--today", "15.01.2025"], "--today: not a date (YYYY-MM-DD)"),
    (["watch", "--every", "99999999999d", "--site", "宁县"], "--every: at most 366d"),
    (["watch", "--every", "soon", "--site", "宁县"], "--every: not a duration"),
    (["watch", "--every", "1h", "--runs", "0"], "--runs: must be at least 1"),
    (["watch", "--every", "1h", "--runs", "-3"], "--runs: must be at least 1"),
    (["feed", "--out", "{tmp}/f.atom", "--limit", "-1"], "--limit: must be at least 1"),
    (["feed", "--out", "{tmp}/f.atom", "--limit", "0"], "--limit: must be at least 1"),
    (["events", "--since", "last tuesday"], "--since: not an ISO 8601 date or time"),
    (["crawl", "--start-url", "http://[::1"], "--start-url: not a valid URL"),
    (["crawl", "--start-url", "http://x.gov.cn:99999/"], "--start-url: not a valid URL"),
    (["crawl", "--start-url", "ftp://x.gov.cn/"], "--start-url: not an http(s) URL"),
    (["crawl", "--start-url", "http:///path"], "--start-url: not an http(s) URL"),
    (["crawl", "--delay", "inf", "--site", "宁县"], "--delay: not a number of seconds from 0 to 3600"),
    (["crawl", "--delay", "nan", "--site", "宁县"], "--delay: not a number of seconds from 0 to 3600"),
    (["crawl", "--delay", "-1", "--site", "宁县"], "--delay: not a number of seconds from 0 to 3600"),
    (["crawl", "--delay", "soon", "--site", "宁县"], "--delay: not a number of seconds"),
    (["coverage", "--db", NOT_UTF8], "--db: a database path must be UTF-8 text"),
    (["crawl", "--db", NOT_UTF8, "--site", "宁县"], "--db: a database path must be UTF-8 text"),
    (["coverage", "--db", "http://example.org/x"], "--db: not a database URL"),
    (["export", "--db", "http://example.org/x", "--format", "csv", "--out", "{tmp}/r.csv"], "--db: not a database URL"),
    (["export", "--format", "csv", "--out", "{tmp}"], "is a directory, not a regular file"),
    (["coverage", "--out", "{tmp}"], "is a directory, not a regular file"),
    (["feed", "--out", "{tmp}"], "is a directory, not a regular file"),
    (["crawl", "--set", "NIANBAO_NO_SUCH=1", "--site", "宁县"], "--set: not NAME=VALUE for a setting"),
    (["crawl", "--set", "NIANBAO_PAGE_BUDGET", "--site", "宁县"], "--set: not NAME=VALUE for a setting"),
]
SHOWN = {"99999999999d": "99999999999d", NOT_UTF8: "/tmp/\\xff\\xfe.db"}  # how the value appears in the message


@pytest.mark.parametrize("argv, want", CASES, ids=[" ".join(a) for a, _ in CASES])
def test_a_bad_value_is_one_line_and_exit_2(tmp_path: Path, argv: list[str], want: str) -> None:
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    before = sorted(tmp_path.iterdir())
    proc = run_in_process(*argv, "--db", str(tmp_path / "n.db")) if "--db" not in argv else run_in_process(*argv)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("nianbao: "), proc.stderr
    assert want in proc.stderr, proc.stderr
    bad = argv[argv.index(want.split(":")[0]) + 1] if want.startswith("--") else argv[argv.index("--out") + 1]
    assert SHOWN.get(bad, bad) in proc.stderr, proc.stderr  # the message names the value
    assert sorted(tmp_path.iterdir()) == before  # nothing created: no store, no output


@pytest.mark.parametrize("func, text, value", [
    (year, "2024", 2024), (year, "2008", 2008), (delay, "0", 0.0), (delay, "0.25", 0.25),
    (every, "1h30m", every("90m")), (every, "366d", every("366d"))])
def test_good_values_pass(func, text: str, value: object) -> None:
    assert func(text) == value


def test_the_config_refuses_an_infinite_delay_too() -> None:
    """A crawl's settings (not only the option) are checked: an infinite or NaN float never reaches Scrapy."""
    from scrapy.settings import Settings

    from crawler.config import Config, ConfigError

    for bad in ("inf", "nan", "-inf"):
        with pytest.raises(ConfigError, match="DOWNLOAD_DELAY: not a finite number"):
            Config.from_settings(Settings({"DOWNLOAD_DELAY": bad}))


def test_a_bad_nianbao_db_is_one_line_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NIANBAO_DB", "http://example.org/x")
    proc = run_in_process("coverage")
    assert proc.returncode == 2 and proc.stderr == (
        "nianbao: $NIANBAO_DB: not a database URL (e.g. sqlite:///nianbao.db, postgresql://host/db) or SQLite "
        "file path: http://example.org/x\n")
    proc = run_in_process("coverage", "--db", str(tmp_path / "none.db"))  # --db wins over the variable
    assert proc.returncode == 2 and proc.stderr.startswith("nianbao: no database at "), proc.stderr
