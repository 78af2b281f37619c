"""`nianbao export`: every stored report (schema object plus provenance) in one of the export formats."""

from __future__ import annotations

from pathlib import Path

from crawler.outputs.files import atomic
from crawler.outputs.formats import Reports, get


def export(reports: Reports, fmt: str, out: Path) -> int:
    """Write the reports (`store.reports.iter`, or any function returning a fresh iterable of them) to `out`,
    replaced atomically (crawler.outputs.files: never over a FIFO, device or directory), in `fmt`; returns the
    number of reports written."""
    writer = get(fmt).write
    with atomic(Path(out)) as tmp:
        return writer(reports, tmp)
