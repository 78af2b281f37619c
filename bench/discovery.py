"""Discovery on freshly drawn test webs: recall and precision per CMS family and overall, pages fetched per
report found, browser renders per site, for several seeds.

    python bench/discovery.py                       # 5 seeds × 200 sites
    python bench/discovery.py --seeds 11 12 --sites 100
    python bench/discovery.py --seeds 7 --explain   # and the sites that lost reports, with their variants
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.web import measure  # noqa: E402
from tests.web.random_web import build_random_web  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="*", help="default: 5 random seeds (printed)")
    ap.add_argument("--sites", type=int, default=200)
    ap.add_argument("--explain", action="store_true")
    args = ap.parse_args()
    seeds = args.seeds or [random.SystemRandom().randrange(1, 10**6) for _ in range(5)]
    totals = measure.Score()
    for seed in seeds:
        with build_random_web(seed, args.sites) as web, tempfile.TemporaryDirectory() as tmp:
            score = measure.crawl(web, Path(tmp) / "bench.db")
            print(f"\n== seed {seed}, {args.sites} sites (exit {score.returncode})\n{score.table()}", flush=True)
            if args.explain:
                print(measure.explain(web, score, limit=40))
        for name, f in score.families.items():
            t = totals.families[name]
            t.found, t.total, t.sites = t.found + f.found, t.total + f.total, t.sites + f.sites
        totals.stored += score.stored
        totals.wrong += score.wrong
        totals.pages += score.pages
        totals.renders += score.renders
        totals.seconds += score.seconds
        totals.lines.update({f"{seed}:{k}": v for k, v in score.lines.items()})
    print(f"\n== all {len(seeds)} seeds ({', '.join(map(str, seeds))})\n{totals.table()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
