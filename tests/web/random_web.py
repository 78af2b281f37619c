"""A test web that varies: `build_random_web(seed, n)` draws `n` sites, each a random variant of its CMS family
(tests/web/variants/), so that discovery tuned to one imitation per family fails here.

    with build_random_web(seed=7, n_sites=60) as web:
        for site in web.sites:           # SiteTruth, with .variant (what was drawn) and .lists (its list pages)
            ...
    web.seed                             # 7

Every site is drawn from (seed, its index) alone: `build_random_web(7, 60, only=[41])` rebuilds site 41 of that
web exactly (same variant, entries, ids and URLs, other ports). With `forms=False` reports are inline HTML or
DOCX made on first request (no LibreOffice); `forms=True` adds PDF and DOC, converted once and cached.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .families.base import Entry, SiteSpec
from .render import _DEPTS, _SYL1, _SYL2, _TOWNS
from .variants import VARIANTS
from .variants.base import EXTRA_DECOYS, draw_common, pick
from .web import ImitationWeb, bind, default_cache_dir, fill_documents, make_entries

RANDOM_FAMILIES = ("static", "trs", "hanweb", "jpaas", "gkmlpt", "lonsun", "aspnet", "henan", "epoint", "vsb", "spa")
ENCODINGS = ("utf-8", "utf-8", "utf-8", "gbk", "gbk", "gb2312", "gb18030")


def draw_variant(seed: int, index: int, family: str) -> dict[str, Any]:
    """The layout of site `index` of the web drawn from `seed` (cheap: no entries)."""
    rng = random.Random(f"random-web:{seed}:{index}")
    return {**draw_common(rng), **VARIANTS[family].draw(rng), "family": family, "index": index}


def draw_site(seed: int, index: int, family: str, forms: bool = False) -> tuple[SiteSpec, list[Entry]]:
    """Site `index` of the web drawn from `seed`: its spec (with the variant dict) and its 年报 column's entries."""
    v = draw_variant(seed, index, family)
    rng = random.Random(f"random-web:{seed}:{index}:spec")
    cls = VARIANTS[family]
    county = pick(rng, _SYL1) + pick(rng, _SYL2) + (pick(rng, _SYL1) if rng.random() < 0.3 else "") + "县"
    encoding = "gbk" if family == "aspnet" and rng.random() < 0.8 else pick(rng, ENCODINGS)
    first, last = pick(rng, (2019, 2019, 2020, 2021)), pick(rng, (2023, 2024, 2024, 2025))
    depts = tuple(d for d in rng.sample(_DEPTS, rng.randint(1, 8)) if d != "人民政府办公室")
    towns = tuple(dict.fromkeys(pick(rng, _TOWNS) + pick(rng, ("镇", "镇", "乡", "街道办事处"))
                                for _ in range(rng.randint(1, 6))))
    docs: list[tuple[str, int]] = [("docx", pick(rng, (0, 0, 1, 1, 2)))]
    if forms:
        docs += [("pdf", rng.randint(1, 2)), ("doc", rng.randint(0, 1))]
    spec = SiteSpec(
        f"s{index:04d}", county, family, encoding=encoding, header_charset=v["charset_in"] in ("both", "header"),
        years=tuple(range(first, last + 1)), departments=depts, townships=towns, forms=tuple(docs),
        decorated=rng.randint(0, 2), page_size=v["page_size"], gk_label=v["gk_text"], nb_label=v["nb_text"],
        disposition=pick(rng, ("rfc5987", "gbk") if family == "vsb" else ("rfc5987", "gbk", "none")),
        octet_stream=rng.random() < 0.2, soft404=rng.random() < 0.2,
        robots=pick(rng, (None, SiteSpec.robots, "User-agent: *\nDisallow: /search/\n")),
        attachment_host=family in ("static", "henan") and rng.random() < 0.2, variant=v)
    entries = make_entries(spec, random.Random(f"random-web:{seed}:{index}:entries"))
    ids = {e.id for e in entries}
    low, high = cls.id_range
    for k in v["extra_decoys"]:
        i = rng.randint(low, high)
        while i in ids:
            i = rng.randint(low, high)
        ids.add(i)
        y = spec.years[-1]
        entries.append(Entry(i, EXTRA_DECOYS[k].format(county=county, y=y - 1), _near(rng, y), "decoy"))
    entries.sort(key=lambda e: (e.date, e.id), reverse=True)
    return spec, entries


def _near(rng: random.Random, year: int) -> dt.date:
    return dt.date(year, 1, 1) + dt.timedelta(days=rng.randint(20, 300))


def build_random_web(seed: int, n_sites: int, *, families: list[str] | None = None, latency: float = 0.0,
                     forms: bool = False, only: Iterable[int] | None = None, cache_dir: Path | None = None) -> ImitationWeb:
    """`n_sites` drawn sites (round-robin over `families`, default all of RANDOM_FAMILIES), bound but not serving.

    `only` builds just those site indices of the same draw (to replay one failing site).
    """
    fams = list(families or RANDOM_FAMILIES)
    unknown = [f for f in fams if f not in VARIANTS]
    if unknown:
        raise ValueError(f"no variant family {unknown}; known: {sorted(VARIANTS)}")
    indices = list(range(n_sites)) if only is None else list(only)
    plans = [draw_site(seed, i, fams[i % len(fams)], forms) for i in indices]
    if forms:
        fill_documents([e for _, entries in plans for e in entries], Path(cache_dir or default_cache_dir(seed)))
    return bind(plans, latency, seed)




def main(argv: list[str] | None = None) -> int:
    """Serve a drawn web by hand until Ctrl-C: one line per site with its variant's main choices."""
    ap = argparse.ArgumentParser(prog="python -m tests.web.random_web", description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--sites", type=int, default=22)
    ap.add_argument("--forms", action="store_true", help="PDF and DOC reports too (LibreOffice)")
    args = ap.parse_args(argv)
    t0 = time.monotonic()
    with build_random_web(args.seed, args.sites, forms=args.forms) as web:
        print(f"{len(web.sites)} sites (seed {args.seed}) ready in {time.monotonic() - t0:.1f}s (Ctrl-C stops)")
        for s in web.sites:
            v = s.variant
            print(f"{v['index']:>4} {s.family:<7} {s.start_url:<24} {len(s.reports):>3} reports  depth {v['depth']} "
                  f"{v['nb_text']} / {v['subcols']} / {v['row']} / {v['href']}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
