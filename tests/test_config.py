"""Settings read once into a typed Config: defaults written once, bad values one line, README's table in step."""

from __future__ import annotations

import re
from dataclasses import fields

import pytest
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from crawler import settings as project_settings
from crawler.config import ENVIRONMENT, Config, ConfigError, env, shown
from tests.conftest import ROOT, run_cli


def _readme_tables() -> dict[str, list[tuple[str, str, str]]]:
    """README's "Settings" section: {first heading: [(name, default, meaning)]}, backticks dropped from name and default."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    tables: dict[str, list[tuple[str, str, str]]] = {}
    current: list[tuple[str, str, str]] = []
    for line in section.splitlines():
        if not line.startswith("|") or line.startswith("|---"):
            continue
        name, default, meaning = (c.strip() for c in line.strip("|").split(" | "))
        if default == "default":
            current = tables.setdefault(name, [])
            continue
        current.append((name.strip("`"), default.strip("`"), meaning))
    return tables


def test_readme_lists_every_setting_with_its_default_and_meaning() -> None:
    assert _readme_tables()["setting"] == Config.rows()


def test_readme_lists_every_environment_variable() -> None:
    assert _readme_tables()["environment variable"] == [(e.name, shown(e.default), e.meaning) for e in ENVIRONMENT]


def test_project_settings_take_their_defaults_from_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NIANBAO_LOG_LEVEL", raising=False)
    settings = Settings()
    settings.setmodule(project_settings, priority="project")
    assert Config.from_settings(settings) == Config()
    for f in fields(Config):
        assert hasattr(project_settings, f.metadata["setting"]), f.name


def test_an_environment_variable_replaces_the_log_level_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NIANBAO_LOG_LEVEL", "DEBUG")
    assert Config.defaults()["LOG_LEVEL"] == "DEBUG"
    monkeypatch.delenv("NIANBAO_LOG_LEVEL")
    assert Config.defaults()["LOG_LEVEL"] == "INFO"


def test_values_are_typed() -> None:
    config = Config.from_settings(Settings({
        "NIANBAO_RUN_ID": "7", "NIANBAO_INCREMENTAL": "false", "NIANBAO_REVALIDATE_HOURS": "1.5",
        "NIANBAO_NOTIFY": ["https://a.example/", "mailto://b"], "NIANBAO_DB": "", "DOWNLOAD_DELAY": 2,
    }))
    assert (config.run_id, config.incremental, config.revalidate_hours) == (7, False, 1.5)
    assert config.notify == ("https://a.example/", "mailto://b") and config.db is None and config.download_delay == 2.0


@pytest.mark.parametrize("name, value, message", [
    ("NIANBAO_RETRY_BACKOFF", "soon", "setting NIANBAO_RETRY_BACKOFF: not a number: 'soon'"),
    ("NIANBAO_INCREMENTAL", "maybe", "setting NIANBAO_INCREMENTAL: not true or false: 'maybe'"),
    ("NIANBAO_RUN_ID", "first", "setting NIANBAO_RUN_ID: not a whole number: 'first'"),
    ("NIANBAO_NOTIFY_WAIT", -1, "setting NIANBAO_NOTIFY_WAIT: must be at least 0, not -1.0"),
    ("DOWNLOAD_DELAY", "-0.5", "setting DOWNLOAD_DELAY: must be at least 0, not -0.5"),
    ("LOG_LEVEL", "LOUD", "setting LOG_LEVEL: 'LOUD' is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
    ("NIANBAO_DB", 5, "setting NIANBAO_DB: not text: 5"),
])
def test_a_bad_value_is_one_line_naming_the_setting(name: str, value: object, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Config.from_settings(Settings({name: value}))
    assert str(caught.value) == message


def test_the_crawl_reads_its_config_once() -> None:
    crawler = get_crawler(settings_dict={"NIANBAO_REDELIVER_DAYS": 2})
    config = Config.from_crawler(crawler)
    assert config.redeliver_days == 2.0 and Config.from_crawler(crawler) is config


def test_settings_by_field_name() -> None:
    assert Config.settings(db="sqlite:///x.db", notify=("a",)) == {"NIANBAO_DB": "sqlite:///x.db", "NIANBAO_NOTIFY": ["a"]}
    with pytest.raises(TypeError, match="dbb"):
        Config.settings(dbb="x")
    with pytest.raises(KeyError):
        env("NIANBAO_NOT_DECLARED")


def test_a_bad_setting_stops_the_crawl_with_one_line(tmp_path) -> None:
    db = tmp_path / "x.db"
    proc = run_cli("crawl", "--db", str(db), "--site", "宁县", "--delay", "-1", timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == "nianbao: --delay: not a number of seconds from 0 to 3600: -1 (see `nianbao crawl --help`)\n"
    assert not db.exists(), "nothing is started before the settings are checked"


# every place the repository reads a setting or an environment variable by name
_READS = (
    re.compile(r"""settings\.get(?:bool|int|float|list|dict)?\(\s*["']([A-Z][A-Z0-9_]+)["']"""),
    re.compile(r"""settings\[\s*["']([A-Z][A-Z0-9_]+)["']"""),
)
_ENV_READS = re.compile(r"""(?:environ\.get\(|environ\[|getenv\(|\benv\()\s*["'](NIANBAO_[A-Z0-9_]+)["']""")


def test_every_setting_and_variable_the_code_reads_is_declared() -> None:
    declared = {f.metadata["setting"] for f in fields(Config)}
    variables = {e.name for e in ENVIRONMENT}
    undeclared = []
    for path in sorted(ROOT.glob("[!.]*/**/*.py")):
        if ".venv" in path.parts or path.name == "test_config.py":
            continue
        text = path.read_text(encoding="utf-8")
        where = path.relative_to(ROOT)
        undeclared += [f"{where}: setting {n}" for rx in _READS for n in rx.findall(text) if n not in declared]
        undeclared += [f"{where}: variable {n}" for n in _ENV_READS.findall(text) if n not in variables]
    assert undeclared == []
