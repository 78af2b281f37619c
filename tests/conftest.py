"""Shared test helpers: the ../shared material, skips that CI turns into failures, the CLI runner."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from crawler.config import env

ROOT = Path(__file__).resolve().parent.parent


def _shared() -> Path:
    """../shared beside this checkout; for a clone made elsewhere, beside the repository it was cloned from
    ($NIANBAO_SHARED overrides both)."""
    shared = env("NIANBAO_SHARED")
    if shared:
        return Path(shared)
    beside = ROOT.parent / "shared"
    if beside.is_dir():
        return beside
    origin = subprocess.run(["git", "-C", str(ROOT), "config", "--get", "remote.origin.url"],
                            capture_output=True, text=True).stdout.strip()
    if origin and "://" not in origin and Path(origin).is_dir():
        return Path(origin).resolve().parent / "shared"
    return beside


SHARED = _shared()
REQUIRE_ALL = env("NIANBAO_REQUIRE_ALL") == "1"


def need(condition: bool, reason: str) -> None:
    """Skip with a visible reason, or fail when CI requires every component (NIANBAO_REQUIRE_ALL=1)."""
    if condition:
        return
    if REQUIRE_ALL:
        pytest.fail(f"required for CI but missing: {reason}")
    pytest.skip(reason)


def run_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crawler.cli", *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT
    )


def diff(got: object, want: object, path: str = "") -> list[str]:
    """Every key of `want` compared with `got`; ints and floats compared by value and type family."""
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return [f"{path}: got {got!r}, want an object"]
        out: list[str] = []
        for key, value in want.items():
            if key not in got:
                out.append(f"{path}.{key}: missing")
            else:
                out += diff(got[key], value, f"{path}.{key}")
        return out
    if got != want or isinstance(got, bool) != isinstance(want, bool) or (got is None) != (want is None):
        return [f"{path}: got {got!r}, want {want!r}"]
    return []
