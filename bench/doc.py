"""Seconds per `.doc`: one LibreOffice per document (cold, as before) against the one kept running (warm).

    python bench/doc.py [--n 12]

Makes N DOCs from random reports (one LibreOffice batch, into a temporary directory), then converts them
cold (`soffice --convert-to` per file, a fresh profile each) and warm (parsers.sources.doc's converter: its
start once, then every document), and parses them warm end to end. Target: ≤ 0.3 s per DOC warm. Wall
seconds and CPU seconds (LibreOffice's processes, and ours for the parse) are both printed.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from parsers import parse_bytes  # noqa: E402
from parsers.sources import doc  # noqa: E402
from tests.web import render as R  # noqa: E402


def group_cpu(pgid: int) -> float:
    """CPU seconds used so far by the processes of one process group (the running LibreOffice)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=12, help="documents")
    args = ap.parse_args()
    exe, running = doc.soffice(), doc.converter()
    if exe is None or running is None:
        sys.exit("needs LibreOffice and a Python with its uno module (Debian's python3-uno)")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        docx = []
        for i in range(args.n):
            docx.append(out / f"r{i}.docx")
            docx[-1].write_bytes(R.to_docx(R.random_report(random.Random(f"bench-doc-{i}"), ["2021", "2019"][i % 2])))
        docs = R.convert_with_libreoffice(docx, "doc", out / "doc")

        def per_doc(convert) -> float:  # noqa: ANN001
            t0 = time.perf_counter()
            for i, path in enumerate(docs):
                work = out / f"w{i}"
                work.mkdir(exist_ok=True)
                convert(path, work)
            return (time.perf_counter() - t0) / len(docs)

        cpu = children_cpu()
        cold = per_doc(lambda p, w: doc._convert_alone(exe, p, "docx", 120))
        cold_cpu = (children_cpu() - cpu) / len(docs)
        t0 = time.perf_counter()
        running.convert(docs[0], out / "warmup.docx", "docx", 120)  # the start, once per process
        start = time.perf_counter() - t0
        assert running.office is not None
        cpu = group_cpu(running.office)
        warm = per_doc(lambda p, w: running.convert(p, w / "out.docx", "docx", 120))
        warm_cpu = (group_cpu(running.office) - cpu) / len(docs)
        t0, cpu = time.perf_counter(), time.process_time() + group_cpu(running.office)
        for path in docs:
            parse_bytes(path.read_bytes(), path.name)
        parsed = (time.perf_counter() - t0) / len(docs)
        parsed_cpu = (time.process_time() + group_cpu(running.office) - cpu) / len(docs)
    print(f"{'DOCs':<28}{len(docs):>8}   (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    print(f"{'cold: convert, s/DOC':<28}{cold:>8.3f}  LibreOffice CPU {cold_cpu:.3f} s/DOC (one per document)")
    print(f"{'warm: start once, s':<28}{start:>8.3f}")
    print(f"{'warm: convert, s/DOC':<28}{warm:>8.3f}  LibreOffice CPU {warm_cpu:.3f} s/DOC ({cold / warm:.1f}x faster)")
    print(f"{'warm: full parse, s/DOC':<28}{parsed:>8.3f}  CPU {parsed_cpu:.3f} s/DOC, LibreOffice's and ours"
          " (target ≤ 0.3; on a loaded machine the CPU figures are the ones to compare)")


if __name__ == "__main__":
    main()
