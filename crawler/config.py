"""Every setting nianbao reads, in one place: the Scrapy settings as a typed, frozen `Config` (read and checked
once per crawl, like scrapy-playwright's `Config.from_settings`), and the environment variables in `ENVIRONMENT`.
Each with its default and a one-line meaning, as data: `crawler/settings.py` takes its defaults from here, and
README's "Settings" table lists the same rows (tests/test_config.py keeps the two equal).

    config = Config.from_crawler(crawler)   # in a component: the crawl's config, checked at first use
    config.db, config.notify, config.revalidate_hours, …
"""

from __future__ import annotations

import math
import os
from dataclasses import MISSING, dataclass, field, fields
from typing import Any, ClassVar, get_type_hints

from storage.env import BLOB_DIR_DEFAULT, DB_URL_DEFAULT

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(ValueError):
    """A setting with a value it cannot take; the message is one line naming the setting."""


def setting(name: str, default: Any, meaning: str, *, minimum: float | None = None,
            choices: tuple[str, ...] | None = None, env: str | None = None) -> Any:
    """A `Config` field: the Scrapy setting `name`, its default and meaning; `env` names an environment variable
    that replaces the default (as NIANBAO_LOG_LEVEL does for LOG_LEVEL)."""
    return field(default=default, metadata={"setting": name, "meaning": meaning, "minimum": minimum,
                                            "choices": choices, "env": env})


@dataclass(frozen=True)
class Config:
    """The settings a crawl reads. Field defaults are the project's defaults (crawler/settings.py sets them)."""

    db: str | None = setting(
        "NIANBAO_DB", None, f"the store: SQLAlchemy URL or SQLite file path (`--db`); unset: $NIANBAO_DB, else {DB_URL_DEFAULT}")
    run_id: int = setting(
        "NIANBAO_RUN_ID", 0, "the crawl run fetched responses are recorded under (set by `nianbao crawl`); 0: none recorded",
        minimum=0)
    allow_private: bool = setting(
        "NIANBAO_ALLOW_PRIVATE", False, "follow links and redirects to private/loopback addresses (`--allow-private`)")
    incremental: bool = setting(
        "NIANBAO_INCREMENTAL", True,
        "conditional GETs and skipping unchanged documents, from what earlier crawls stored (off: `--full`)")
    revalidate_hours: float = setting(
        "NIANBAO_REVALIDATE_HOURS", 72.0,
        "a known report page without ETag/Last-Modified is fetched again only after this many hours", minimum=0)
    page_budget: int = setting(
        "NIANBAO_PAGE_BUDGET", 600,
        "menu, column and list pages asked for per site at most (reports and attachments not counted); a site that "
        "spends it ends `budget`", minimum=1)
    column_depth: int = setting(
        "NIANBAO_COLUMN_DEPTH", 4, "levels of sub-columns (by year, by organ …) followed below a 年报 column", minimum=0)
    menu_depth: int = setting(
        "NIANBAO_MENU_DEPTH", 4, "menu pages followed from the homepage towards the 年报 column", minimum=1)
    progress: bool = setting("NIANBAO_PROGRESS", True, "progress lines on stderr every few seconds (off: `--no-progress`)")
    tracebacks: bool = setting("NIANBAO_TRACEBACKS", False, "log records keep their tracebacks (`nianbao crawl -v`)")
    retry_backoff: float = setting(
        "NIANBAO_RETRY_BACKOFF", 1.0, "seconds before the first retry of a request, doubled for each further one",
        minimum=0)
    retry_backoff_max: float = setting("NIANBAO_RETRY_BACKOFF_MAX", 30.0, "the longest wait before a retry, seconds",
                                       minimum=0)
    store_retry: float = setting(
        "NIANBAO_STORE_RETRY", 30.0,
        "seconds a write to the store is tried again while the database is unreachable (restarting, connection "
        "dropped), with growing waits; then the crawl stops and says how many reports were not stored", minimum=0)
    notify: tuple[str, ...] = setting(
        "NIANBAO_NOTIFY", (), "webhook / Apprise URLs that get every event (`--notify`)")
    notify_wait: float = setting(
        "NIANBAO_NOTIFY_WAIT", 15.0, "at the end of a crawl, seconds notifications get to finish before giving up",
        minimum=0)
    redeliver_days: float = setting(
        "NIANBAO_REDELIVER_DAYS", 7.0,
        "events a `--notify` URL missed (it was down) are sent again by crawls within this many days", minimum=0)
    job: str | None = setting(
        "NIANBAO_JOB", None, "the distributed job this worker belongs to (`--redis … --job`); unset: a crawl on its own")
    redis_url: str | None = setting("REDIS_URL", None, "the Redis server of a distributed job (`--redis`)")
    download_delay: float = setting(
        "DOWNLOAD_DELAY", 0.5,
        "minimum seconds between requests to one host (`--delay`; AutoThrottle adapts above it; a job paces each "
        "host by it across workers)", minimum=0)
    log_level: str = setting("LOG_LEVEL", "INFO", "Scrapy's log level (`nianbao crawl` shows WARNING, INFO with `-v`)",
                             choices=LOG_LEVELS, env="NIANBAO_LOG_LEVEL")

    _attribute: ClassVar[str] = "_nianbao_config"

    @classmethod
    def from_settings(cls, settings: Any) -> Config:
        """Read and check every field from Scrapy settings; a bad value raises a one-line `ConfigError`."""
        hints = get_type_hints(cls)
        values = {f.name: _read(settings, f.metadata, hints[f.name], f.default) for f in fields(cls)}
        return cls(**values)

    @classmethod
    def from_crawler(cls, crawler: Any) -> Config:
        """The crawl's config: read from its (frozen) settings at the first call, then shared by every component."""
        config = getattr(crawler, cls._attribute, None)
        if config is None:
            config = cls.from_settings(crawler.settings)
            setattr(crawler, cls._attribute, config)
        return config

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        """{setting name: default}, with an environment variable's value where one replaces the default."""
        out = {}
        for f in fields(cls):
            value = f.default
            env = f.metadata["env"]
            if env and os.environ.get(env):
                value = os.environ[env]
            out[f.metadata["setting"]] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def settings(cls, **values: Any) -> dict[str, Any]:
        """Scrapy settings from field names: `Config.settings(db=url, progress=False)` → {"NIANBAO_DB": url, …}."""
        by_name = {f.name: f for f in fields(cls)}
        unknown = set(values) - set(by_name)
        if unknown:
            raise TypeError(f"not a Config field: {', '.join(sorted(unknown))}")
        return {by_name[k].metadata["setting"]: list(v) if isinstance(v, tuple) else v for k, v in values.items()}

    @classmethod
    def rows(cls) -> list[tuple[str, str, str]]:
        """(setting, default as README shows it, meaning) for every field."""
        return [(f.metadata["setting"], shown(f.default),
                 f.metadata["meaning"] + (f"; ${f.metadata['env']} replaces the default" if f.metadata["env"] else ""))
                for f in fields(cls)]


def shown(value: Any) -> str:
    """A default as the README table writes it."""
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple | list):
        return "none" if not value else ", ".join(map(str, value))
    return str(value)


def _read(settings: Any, meta: Any, hint: Any, default: Any) -> Any:
    name = meta["setting"]
    raw = settings.get(name, None if default is MISSING else default)
    try:
        if hint is bool:
            value: Any = settings.getbool(name, default)
        elif hint is int:
            value = settings.getint(name, default)
        elif hint is float:
            value = settings.getfloat(name, default)
        elif hint == tuple[str, ...]:
            value = tuple(str(v) for v in settings.getlist(name, list(default)))
        else:  # str or str | None
            value = raw
            if value is not None and not isinstance(value, str):
                raise TypeError
            if value == "" and default is None:
                value = None
    except (TypeError, ValueError):
        want = {bool: "true or false", int: "a whole number", float: "a number"}.get(hint, "text")
        raise ConfigError(f"setting {name}: not {want}: {raw!r}") from None
    if hint is float and not math.isfinite(value):
        raise ConfigError(f"setting {name}: not a finite number: {raw!r}")
    if meta["minimum"] is not None and value < meta["minimum"]:
        raise ConfigError(f"setting {name}: must be at least {meta['minimum']:g}, not {value!r}")
    if meta["choices"] and value not in meta["choices"]:
        source = f" (from ${meta['env']})" if meta["env"] and os.environ.get(meta["env"]) == value else ""
        raise ConfigError(f"setting {name}{source}: {value!r} is not one of {', '.join(meta['choices'])}")
    return value


@dataclass(frozen=True)
class EnvVar:
    name: str
    default: str | None
    meaning: str


# Environment variables. Those that replace a setting's default are named by its field (`env=`) and listed here
# too; the reads are `env(name)` in the crawler, and storage / parsers / tests read theirs where they are (they
# sit below the crawler), with the defaults they take from storage.env.
ENVIRONMENT: tuple[EnvVar, ...] = (
    EnvVar("NIANBAO_DB", DB_URL_DEFAULT, "the default store of every command (`--db` and the setting win)"),
    EnvVar("NIANBAO_BLOBS", BLOB_DIR_DEFAULT,
           "where a non-SQLite store keeps the raw documents (a SQLite store keeps them beside its file, `<db>.docs`)"),
    EnvVar("NIANBAO_LOG_LEVEL", Config.log_level, "the default of LOG_LEVEL"),
    EnvVar("NIANBAO_CHROMIUM", "/usr/bin/chromium", "the Chromium scrapy-playwright renders script-only pages in"),
    EnvVar("NIANBAO_SOFFICE", None, "LibreOffice's `soffice`, to read `.doc` files; unset: `soffice` or `libreoffice` on PATH"),
    EnvVar("NIANBAO_OCR_THREADS", "1",
           "onnxruntime threads of the OCR that reads scans and images, per parse process (the crawl's parse pool "
           "already reads documents side by side)"),
    EnvVar("NIANBAO_SHARED", None, "tests: the shared material (seeds, real documents, spec); unset: ../shared beside the checkout"),
    EnvVar("NIANBAO_FUZZ_SEED", None, "tests: the seed of the fuzz test's mutants (printed on failure), to replay it"),
    EnvVar("NIANBAO_FUZZ_SECONDS", None, "tests: how long the fuzz test runs; unset: about 20 s"),
    EnvVar("NIANBAO_WEB_SEED", None, "tests: the seed of the randomly drawn test web (printed on failure), to replay it"),
    EnvVar("NIANBAO_SCAN_SEED", None, "tests: the seed of the OCR tests' scanned reports and of the scanning sites' web (printed on failure), to replay it"),
    EnvVar("NIANBAO_WEB_SITES", None, "tests: how many sites the discovery test draws; unset: 100"),
    EnvVar("NIANBAO_REQUIRE_ALL", None, "tests: `1` turns every skip for a missing component into a failure (CI)"),
    EnvVar("NIANBAO_TEST_PG", "postgresql+psycopg://{user}@127.0.0.1:5432/test",
           "tests: the PostgreSQL server (admin URL, `{user}` the current user) the storage tests create databases on"),
)
_ENV = {e.name: e for e in ENVIRONMENT}


def env(name: str) -> str | None:
    """The environment variable's value, else its declared default; a name not in ENVIRONMENT is a bug."""
    declared = _ENV[name]
    return os.environ.get(name) or declared.default
