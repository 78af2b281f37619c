"""`nianbao dump` and `--verify` throughput.

    python bench/dump.py [--docs 2000] [--kb 200] [--db DB]

Without `--db`, fills a temporary SQLite store with `--docs` random reports, each with a document of `--kb`
kilobytes of incompressible bytes (like a PDF), then times a dump with hard links, a dump with `--copy`, and a
verify; prints documents/s and MB/s of document bytes for each. With `--db`, dumps that database instead.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.outputs.dump import dump, verify  # noqa: E402
from storage.db import Store  # noqa: E402
from tests.web.render import random_report  # noqa: E402


def fill(store: Store, docs: int, kb: int) -> None:
    rng = random.Random(0)
    for i in range(docs):
        report = random_report(rng, rng.choice(["2019", "2021"]))
        body = os.urandom(kb * 1024)
        sha = store.documents.put(body, "application/pdf", f"{i}.pdf")
        url = f"https://www.county{i % 300}.gov.cn/zwgk/ndbg/{i}.pdf"
        store.reports.add(f"县{i % 300}", report, {
            "sha256": sha, "page_url": url.rsplit("/", 1)[0] + "/", "document_url": url,
            "fetched_at": "2024-03-01T08:00:00Z", "content_type": "application/pdf", "http_status": 200,
            "discovery_path": [url.rsplit("/", 2)[0] + "/"]})


def line(what: str, n: int, size: int, seconds: float) -> str:
    return f"{what:<22} {n:>6} docs {size / 1e6:>8.1f} MB {seconds:>7.2f} s {n / seconds:>8.1f} docs/s " \
           f"{size / 1e6 / seconds:>7.1f} MB/s"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--kb", type=int, default=200)
    ap.add_argument("--db")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or str(Path(tmp) / "bench.db")
        store = Store(db)
        if not args.db:
            t0 = time.monotonic()
            fill(store, args.docs, args.kb)
            print(f"filled {args.docs} documents in {time.monotonic() - t0:.1f} s", file=sys.stderr)
        for name, copy in (("dump (hard links)", False), ("dump --copy", True)):
            out = Path(tmp) / name.split()[0] / str(copy)
            s = dump(store, out, copy=copy)
            print(line(name, s.documents, s.bytes, s.seconds))
        t0 = time.monotonic()
        v = verify(out)
        assert not v.problems, v.problems[:5]
        print(line("verify", v.documents, v.bytes, time.monotonic() - t0))
        store.close()


if __name__ == "__main__":
    main()
