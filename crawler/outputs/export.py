"""`nianbao export`: every stored report (schema object plus provenance) in one of the export formats."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from crawler.outputs.formats import Reports, get


@contextmanager
def atomic(out: Path) -> Iterator[Path]:
    """A temporary path beside `out`, renamed to `out` when the block succeeds."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{uuid.uuid4().hex}.tmp")
    try:
        yield Path(tmp)
        os.replace(tmp, out)
    finally:
        Path(tmp).unlink(missing_ok=True)


def export(reports: Reports, fmt: str, out: Path) -> int:
    """Write the reports (`store.reports.iter`, or any function returning a fresh iterable of them) to `out`,
    replaced atomically, in `fmt`; returns the number of reports written."""
    writer = get(fmt).write
    with atomic(Path(out)) as tmp:
        return writer(reports, tmp)
