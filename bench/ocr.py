"""OCR of scans: accuracy per resolution and per degradation, pages per second, seconds per report, peak memory.

    python bench/ocr.py [--reports 2] [--dpi 100,150,200,300] [--degrade none,rotate,blur,jpeg,seal,speckle,grey]
                        [--forms pdf,long] [--seed N] [--threads 1] [--show]

Random consistent forms (seeded; the seed is printed) are rendered to DOCX, turned into PDF by LibreOffice,
rasterised at each dpi, degraded (one degradation at a time, `none` = a clean scan) and written as
image-only PDFs (`--forms long`: one long JPEG of all pages), then parsed. Prints, per (dpi, degradation): fields exact (the tables' numbers and the
identity), fields left null, wrong numbers, wrong numbers in reports whose checks all pass (target 0),
pages/s and s/report; then the peak resident memory of the process. Targets: ≥ 99 % exact at ≥ 150 dpi,
≥ 97 % at 100 dpi.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from parsers import Limits, parse_bytes  # noqa: E402
from tests.web import render as R  # noqa: E402
from tests.web import scans as S  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=int, default=2)
    ap.add_argument("--dpi", default="100,150,200,300")
    ap.add_argument("--degrade", default="none," + ",".join(S.DEGRADATIONS))
    ap.add_argument("--forms", default="pdf", help="pdf: an image-only PDF; long: all pages in one long JPEG")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--show", action="store_true", help="print each wrong or null field and the failing checks")
    ap.add_argument("--threads", type=int, default=1, help="onnxruntime threads (NIANBAO_OCR_THREADS)")
    args = ap.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(10**6)
    os.environ["NIANBAO_OCR_THREADS"] = str(args.threads)
    print(f"seed {seed}, {args.reports} report(s), onnxruntime threads {args.threads}", flush=True)
    limits = Limits(max_seconds=3600)
    with tempfile.TemporaryDirectory(prefix="nianbao-ocr-") as tmp:
        out = Path(tmp)
        wants, docx = [], []
        for i in range(args.reports):
            rng = random.Random(f"{seed}-{i}")
            report = R.random_report(rng, ["2021", "2019"][i % 2])
            (out / f"r{i}.docx").write_bytes(R.to_docx(report))
            docx.append(out / f"r{i}.docx")
            wants.append(R.expected(report))
        pdfs = R.convert_with_libreoffice(docx, "pdf", out)
        print(f"{'form':<5}{'dpi':>4} {'degradation':<11} {'exact':>8} {'null':>5} {'wrong':>5} {'silent':>6} {'pages/s':>8} {'s/report':>8}")
        cases = [(f, int(d), k) for f in args.forms.split(",") for d in args.dpi.split(",") for k in args.degrade.split(",")]
        for form, dpi, kind in cases:
            total = {"fields": 0, "exact": 0, "null": 0, "wrong": 0, "silent_wrong": 0}
            pages, spent = 0, 0.0
            for i, (pdf, want) in enumerate(zip(pdfs, wants, strict=True)):
                rng = random.Random(f"{seed}-{i}-{dpi}-{kind}")
                images = [S.degrade(im, () if kind == "none" else (kind,), rng) for im in S.rasterise(pdf, dpi)]
                if form == "long":
                    buf = io.BytesIO()
                    S.long_image(images).save(buf, "JPEG", quality=85)
                    scan, name = buf.getvalue(), "scan.jpg"
                else:
                    scan, name = S.image_pdf(images, dpi), "scan.pdf"
                t0 = time.perf_counter()
                got = parse_bytes(scan, name, limits)
                spent += time.perf_counter() - t0
                pages += len(images)
                if args.show:
                    from tests.conftest import diff

                    for problem in diff({k: got.get(k) for k in want}, want):
                        print("   ", problem)
                    for c in got["checks"]:
                        if not c["ok"]:
                            print("    check", c["rule"], c["detail"][:150])
                for k, v in S.score(got, want).items():
                    total[k] += v
            share = total["exact"] / max(1, total["fields"])
            print(f"{form:<5}{dpi:>4} {kind:<11} {share:>7.2%} {total['null']:>5} {total['wrong']:>5} {total['silent_wrong']:>6} "
                  f"{pages / spent:>8.3f} {spent / len(pdfs):>8.1f}", flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory {peak:.0f} MB (this process: LibreOffice excluded)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
