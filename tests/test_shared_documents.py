"""Every real document in ../shared parses to exactly its expected JSON (every key)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from parsers import parse_file, validate_report
from tests.conftest import SHARED, diff, need

CASES = sorted(
    str(p)
    for p in [*SHARED.glob("seeds/*.txt"), *SHARED.glob("real/*.pdf"), *SHARED.glob("real/pingtan/*.html")]
    if p.with_suffix(".expected.json").exists()
)


def test_shared_material_present() -> None:
    need(len(CASES) >= 6, f"../shared seeds and real documents (looked in {SHARED})")


@pytest.mark.parametrize("path", CASES, ids=[Path(c).name for c in CASES])
def test_parses_to_expected(path: str) -> None:
    want = json.loads(Path(path).with_suffix(".expected.json").read_text(encoding="utf-8"))
    got = parse_file(path)
    assert validate_report(got) == []
    assert diff(got, want) == []
    assert got["checks"], "the form's arithmetic was checked"
    assert all(c["ok"] for c in got["checks"]), [c for c in got["checks"] if not c["ok"]]
