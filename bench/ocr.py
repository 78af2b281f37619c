"""OCR of scans: accuracy per resolution and per degradation, pages per second, seconds per report, peak memory.

    python bench/ocr.py [--reports 2] [--dpi 100,150,200,300] [--degrade none,rotate,blur,jpeg,seal,speckle,grey]
                        [--forms pdf,long] [--seed N] [--threads 1] [--show]

Random consistent forms (seeded; the seed is printed) are rendered to DOCX, turned into PDF by LibreOffice,
rasterised at each dpi, degraded (one degradation at a time, `none` = a clean scan) and written as
image-only PDFs (`--forms long`: one long JPEG of all pages), then parsed. Prints, per (dpi, degradation): fields exact (the tables' numbers and the
identity), fields left null, wrong numbers, wrong numbers in reports whose checks all pass (target 0), fields
otherwise than the truth with no failing check on their table (unsaid: target 0, tests/web/scans.unsaid),
pages/s and s/report (wall) and CPU seconds per page (what holds on a busy machine); then the peak resident memory of the process. Targets: ≥ 99 % exact at ≥ 150 dpi,
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
    ap.add_argument("--crawl", type=float, default=None, metavar="DELAY",
                    help="also crawl a loopback site holding the reports as scans (the first as an HTML page of PNG "
                    "page images, the others as image-only PDFs) with this per-host delay, and print wall time "
                    "against the politeness bound plus the OCR time")
    ap.add_argument("--profile", action="store_true", help="also print, per dpi, the CPU seconds of one page's "
                    "detection, recognition and rule finding (the first report's pages, clean)")
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
        if args.profile:
            for dpi in args.dpi.split(","):
                profile(pdfs[0], int(dpi))
        if args.crawl is not None:
            crawl_bound(pdfs, int(args.dpi.split(",")[0]), args.crawl, out, limits)
        print(f"{'form':<5}{'dpi':>4} {'degradation':<11} {'exact':>8} {'null':>5} {'wrong':>5} {'silent':>6} {'unsaid':>6} "
              f"{'pages/s':>8} {'s/report':>8} {'cpu s/page':>10}")
        cases = [(f, int(d), k) for f in args.forms.split(",") for d in args.dpi.split(",") for k in args.degrade.split(",")]
        for form, dpi, kind in cases:
            total = {"fields": 0, "exact": 0, "null": 0, "wrong": 0, "silent_wrong": 0, "unsaid": 0}
            pages, spent, cpu = 0, 0.0, 0.0
            for i, (pdf, want) in enumerate(zip(pdfs, wants, strict=True)):
                rng = random.Random(f"{seed}-{i}-{dpi}-{kind}")
                images = [S.degrade(im, () if kind == "none" else (kind,), rng) for im in S.rasterise(pdf, dpi)]
                if form == "long":
                    buf = io.BytesIO()
                    S.long_image(images).save(buf, "JPEG", quality=85)
                    scan, name = buf.getvalue(), "scan.jpg"
                else:
                    scan, name = S.image_pdf(images, dpi), "scan.pdf"
                t0, c0 = time.perf_counter(), time.process_time()
                got = parse_bytes(scan, name, limits)
                spent += time.perf_counter() - t0
                cpu += time.process_time() - c0
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
                total["unsaid"] += len(S.unsaid(got, want))
            share = total["exact"] / max(1, total["fields"])
            print(f"{form:<5}{dpi:>4} {kind:<11} {share:>7.2%} {total['null']:>5} {total['wrong']:>5} {total['silent_wrong']:>6} "
                  f"{total['unsaid']:>6} "
                  f"{pages / spent:>8.3f} {spent / len(pdfs):>8.1f} {cpu / pages:>10.2f}", flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory {peak:.0f} MB (this process: LibreOffice excluded)")
    return 0


def crawl_bound(pdfs: list[Path], dpi: int, delay: float, out: Path, limits: Limits) -> None:
    """A crawl of a site of scans: its wall time against the politeness bound (the site's requests, one
    delay apart) plus the OCR time (the same documents parsed in this process, one after the other)."""
    import subprocess
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from tests.conftest import reply

    files: dict[str, tuple[bytes, str]] = {}
    links = []
    ocr_seconds = 0.0
    for i, pdf in enumerate(pdfs):
        images = S.rasterise(pdf, dpi)
        t0 = time.perf_counter()
        parse_bytes(S.image_pdf(images, dpi), "scan.pdf", limits)
        ocr_seconds += time.perf_counter() - t0
        title = f"某县{2021 - i}年政府信息公开工作年度报告"
        if i == 0:
            imgs = ""
            for k, im in enumerate(images):
                buf = io.BytesIO()
                im.save(buf, "PNG")
                files[f"/nb/scan{k}.png"] = (buf.getvalue(), "image/png")
                imgs += f'<p><img src="/nb/scan{k}.png"></p>'
            files["/nb/r0.html"] = (f"<html><head><title>{title}（图片版）</title></head><body><h1>{title}（图片版）</h1>"
                                    f"<div>{imgs}</div></body></html>".encode(), "text/html; charset=utf-8")
            links.append(f'<li><a href="/nb/r0.html">{title}（图片版）</a><span>2026-01-20</span></li>')
        else:
            files[f"/nb/r{i}.pdf"] = (S.image_pdf(images, dpi), "application/pdf")
            links.append(f'<li><a href="/nb/r{i}.pdf">{title}</a><span>2026-01-20</span></li>')
    files["/"] = ('<html><body><a href="/nb/">政府信息公开年报</a></body></html>'.encode(), "text/html; charset=utf-8")
    files["/nb/"] = (f"<html><body><ul>{''.join(links)}</ul></body></html>".encode(), "text/html; charset=utf-8")
    served: list[float] = []

    class Site(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            served.append(time.perf_counter())
            if self.path not in files:
                self.send_error(404)
                return
            reply(self, *files[self.path])

    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    t0 = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, "-m", "crawler.cli", "crawl", "--db", str(out / "crawl.db"),
                               "--allow-private", "--delay", str(delay), "--no-progress", "--start-url",
                               f"http://127.0.0.1:{server.server_port}/"], capture_output=True, text=True, cwd=ROOT)
    finally:
        server.shutdown()
    wall = time.perf_counter() - t0
    bound = (len(served) - 1) * delay
    print(f"crawl of a site of scans ({len(pdfs)} reports, {dpi} dpi, exit {proc.returncode}): wall {wall:.1f} s; "
          f"politeness bound ({len(served)} requests, {delay} s apart) {bound:.1f} s; OCR {ocr_seconds:.1f} s; "
          f"wall / (bound + OCR) = {wall / max(1e-9, bound + ocr_seconds):.2f}", flush=True)


def profile(pdf: Path, dpi: int) -> None:
    """CPU seconds of one page's OCR, split: detection, recognition, the rest of ocr.read (cleaning, deskew,
    rule finding). CPU time, not wall: the figures hold on a machine busy with other work."""
    from parsers import ocr

    engine = ocr._engine(ocr._threads())
    spent = {"det": 0.0, "rec": 0.0}

    def timed(stage: str, call: object) -> object:
        def run(*a: object, **k: object) -> object:
            c0 = time.process_time()
            try:
                return call(*a, **k)  # type: ignore[operator]
            finally:
                spent[stage] += time.process_time() - c0
        return run

    det, rec = engine.text_det, engine.text_rec
    engine.text_det, engine.text_rec = timed("det", det), timed("rec", rec)
    try:
        images = S.rasterise(pdf, dpi)
        c0 = time.process_time()
        boxes = sum(len(ocr.read(im).boxes) for im in images)
        total = time.process_time() - c0
    finally:
        engine.text_det, engine.text_rec = det, rec
    n = len(images)
    print(f"profile {dpi} dpi, {n} pages, {boxes / n:.0f} boxes/page: cpu s/page {total / n:.2f} = det "
          f"{spent['det'] / n:.2f} + rec {spent['rec'] / n:.2f} + rest {(total - spent['det'] - spent['rec']) / n:.2f}",
          flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
