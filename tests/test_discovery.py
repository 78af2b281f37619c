"""Discovery on sites nobody here built by hand: freshly drawn variants of every CMS family (tests/web/random_web.py),
a new seed each run (printed; NIANBAO_WEB_SEED=… replays it), crawled with `nianbao crawl` as a user would."""

from __future__ import annotations

import os
import random

from tests.web import measure
from tests.web.random_web import build_random_web

SEED = int(os.environ.get("NIANBAO_WEB_SEED") or random.SystemRandom().randrange(1, 10**6))
SITES = int(os.environ.get("NIANBAO_WEB_SITES") or 100)


def test_every_report_on_freshly_drawn_sites(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with build_random_web(SEED, SITES) as web:
        score = measure.crawl(web, tmp_path / "discovery.db")
        replay = f"seed {SEED} (replay: NIANBAO_WEB_SEED={SEED} NIANBAO_WEB_SITES={SITES})"
        print(f"\n{replay}\n{score.table()}")
        why = f"{replay}\n{score.table()}\n{measure.explain(web, score)}\n{score.stderr}"
        assert score.returncode == 0, why
        assert score.wrong == [], f"stored documents that are not reports: {score.wrong[:5]}\n{why}"
        assert score.recall >= 0.97, why
        for name, family in score.families.items():
            assert family.recall >= 0.85, f"{name}: {family.found}/{family.total}\n{why}"
        # no site without reports ends without a reason a person can act on
        for site in web.sites:
            line = score.lines.get(site.start_url.split("/")[2], "")
            if site.reports and site.name in score.missed and len(score.missed[site.name]) == len(site.reports):
                assert " ok: " not in line, f"{site.name} lost every report yet says ok: {line}\n{why}"
