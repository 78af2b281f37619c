"""A crawl of the test web's sites that publish scans (tests/web/scans.py), drawn afresh each run: an image-only
PDF, a PDF whose tables are scanned pages, one long JPEG linked as the attachment, and a TRS article page of page
images behind a hotlink check beside a share icon, each at a drawn dpi with drawn faults. Every report is found;
the scans' numbers are exact or null under a failing check, never silently wrong; each says it was read by OCR
and, for a page of images, which images in which order. Seed: NIANBAO_SCAN_SEED, else random (in every failure).
"""

from __future__ import annotations

import os
import random
import shutil
from typing import Any

import pytest

from tests.conftest import need
from tests.test_crawl import crawl, stored
from tests.web import scans as S
from tests.web.families.base import SCAN_EXT
from tests.web.web import SITES, build_web

SEED = int(os.environ.get("NIANBAO_SCAN_SEED") or random.randrange(10**6))
REPLAY = f"seed {SEED} (replay: NIANBAO_SCAN_SEED={SEED})"
SCANNING = tuple(s.slug for s in SITES if any(form in SCAN_EXT for form, _ in s.forms))
FLOOR = {100: 0.8, 150: 0.9}  # fields exact at least, per scan, by dpi (from 150 up: 0.9): a floor against a
# broken reader (a long image read as one page gave 24 %); the targets (99 % from 150 dpi, 97 % at 100) are
# averages over many reports, measured by bench/ocr.py, and a single report under two faults may fall below them


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    need(shutil.which("soffice") is not None, "LibreOffice (soffice) to make the scans' PDF")
    tmp = tmp_path_factory.mktemp("scanned-web")
    db = str(tmp / "scans.db")
    with build_web(SEED, sites=SCANNING) as web:
        proc = crawl(db, [s.start_url for s in web.sites], timeout=900)
    assert proc.returncode == 0, f"{REPLAY}: {proc.stderr[-3000:]}"
    reports = stored(db, tmp)
    truth = {(r.page_url, r.document_url): r for s in web.sites for r in s.reports}
    return {"reports": reports, "truth": truth}


def test_every_report_of_the_scanning_sites_is_found(crawled: dict[str, Any]) -> None:
    got = {(r["provenance"]["page_url"], r["provenance"]["document_url"]) for r in crawled["reports"]}
    assert got == set(crawled["truth"]), f"{REPLAY}: missed {sorted(set(crawled['truth']) - got)[:3]}"
    assert {t.form for t in crawled["truth"].values() if t.ocr} == set(SCAN_EXT)


def test_scans_are_read_and_traceable(crawled: dict[str, Any]) -> None:
    for r in crawled["reports"]:
        truth = crawled["truth"][(r["provenance"]["page_url"], r["provenance"]["document_url"])]
        if not truth.ocr:
            continue
        what = f"{REPLAY}: {truth.form} at {truth.scan[0]} dpi with {truth.scan[1] or 'no faults'}"
        assert S.unsaid(r, truth.report) == [], (what, S.unsaid(r, truth.report)[:5])
        ocr = r["document"]["ocr"]
        assert ocr["pages"] >= 1 and 0 < ocr["mean_confidence"] <= 1, (what, ocr)
        assert any(c["rule"] == "document.ocr" and c["ok"] for c in r["checks"]), what
        if truth.form == "imgpage":  # every page image, in order, and not the share icon beside them
            assert r["document"]["images"] == truth.images and truth.images, what
            assert r["provenance"]["document_url"] == r["provenance"]["page_url"] == truth.page_url, what
        score = S.score(r, truth.report)
        floor = FLOOR.get(truth.scan[0], FLOOR[150])
        assert score["exact"] >= floor * score["fields"], (what, score)


def test_the_other_reports_are_exact(crawled: dict[str, Any]) -> None:
    from tests.conftest import diff

    for r in crawled["reports"]:
        truth = crawled["truth"][(r["provenance"]["page_url"], r["provenance"]["document_url"])]
        if not truth.ocr:
            assert diff(r, truth.report) == [], (REPLAY, truth.form, diff(r, truth.report)[:5])
