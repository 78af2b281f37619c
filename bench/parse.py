"""Parse throughput per document form, and the PDF parse against pdfplumber's bare extract_tables().

    python bench/parse.py [--n 40] [--rounds 3]

Makes a corpus once under bench/corpus/ (random consistent forms rendered as text, HTML, DOCX, and PDF/DOC
through LibreOffice; plus ../shared's real documents), then prints documents per second per form and, for
PDFs, the ratio of the full parse to a bare `extract_tables()` pass over the same files (target ≤ 1.2).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from parsers import parse_bytes  # noqa: E402
from tests.web import render as R  # noqa: E402

CORPUS = ROOT / "bench" / "corpus"


def make_corpus(n: int) -> None:
    if (CORPUS / f".done-{n}").exists():
        return
    print(f"making a corpus of {n} reports per form in {CORPUS} …", flush=True)
    for sub in ("text", "html", "docx", "pdf", "doc"):
        (CORPUS / sub).mkdir(parents=True, exist_ok=True)
    for i in range(n):
        rng = random.Random(f"bench-{i}")
        report = R.random_report(rng, ["2021", "2019"][i % 2])
        quirks = frozenset(q for q in sorted(R.DOCX_QUIRKS - {"single_other"}) if rng.random() < 0.25)
        (CORPUS / "text" / f"r{i}.txt").write_text(R.to_text(report, ["space", "tab", "cell"][i % 3], quirks))
        (CORPUS / "html" / f"r{i}.html").write_bytes(R.to_html(report, ["utf-8", "gbk"][i % 2], quirks))
        (CORPUS / "docx" / f"r{i}.docx").write_bytes(R.to_docx(report, quirks))
    docx = sorted((CORPUS / "docx").glob("*.docx"))
    R.convert_with_libreoffice(docx, "pdf", CORPUS / "pdf")
    R.convert_with_libreoffice(docx, "doc", CORPUS / "doc")
    (CORPUS / f".done-{n}").touch()


def timed(fn, items, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        for item in items:
            fn(item)
        best = min(best, time.perf_counter() - t0)
    return best


def bare_tables(data: bytes) -> None:
    import pdfplumber

    with pdfplumber.open(BytesIO(data)) as pdf:
        for page in pdf.pages:
            page.extract_tables()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=40, help="reports per form in the corpus")
    ap.add_argument("--rounds", type=int, default=3, help="best of this many passes")
    args = ap.parse_args()
    make_corpus(args.n)
    shared = ROOT.parent / "shared"
    forms = {
        "text": sorted((CORPUS / "text").glob("*.txt")) + sorted(shared.glob("seeds/*.txt")),
        "html": sorted((CORPUS / "html").glob("*.html")),
        "docx": sorted((CORPUS / "docx").glob("*.docx")),
        "pdf": sorted((CORPUS / "pdf").glob("*.pdf")) + sorted(shared.glob("real/*.pdf")),
        "doc": sorted((CORPUS / "doc").glob("*.doc")),
    }
    print(f"{'form':<6} {'docs':>5} {'seconds':>8} {'docs/s':>8}")
    for form, paths in forms.items():
        blobs = [(p.read_bytes(), p.name) for p in paths]
        rounds = 1 if form == "doc" else args.rounds
        secs = timed(lambda b: parse_bytes(*b), blobs, rounds)
        print(f"{form:<6} {len(blobs):>5} {secs:>8.2f} {len(blobs) / secs:>8.1f}", flush=True)
    pdfs = [p.read_bytes() for p in forms["pdf"]]
    full = timed(lambda d: parse_bytes(d, "x.pdf"), pdfs, args.rounds)
    bare = timed(bare_tables, pdfs, args.rounds)
    print(f"pdf: full parse {full:.2f} s, bare extract_tables {bare:.2f} s, ratio {full / bare:.2f} (target ≤ 1.2)")


if __name__ == "__main__":
    main()
