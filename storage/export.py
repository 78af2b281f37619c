"""Export every stored report (schema object plus provenance) as JSON lines, CSV or Parquet.

CSV and Parquet get one row per report with dotted column names (`requests.new.natural_person`,
`provenance.page_url`); lists (`checks`, `provenance.discovery_path`) become JSON strings. The columns are the
union over all reports: report keys in the order the reports give them (keys only some reports have, such as
the 2019 form's `active.procurement.*`, are placed after their predecessor), provenance columns last.
Tabular formats read the reports twice (columns and types first), so memory stays flat however many there are.
"""

from __future__ import annotations

import csv
import json
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from storage.db import Store

FORMATS = ("jsonl", "csv", "parquet")
BATCH = 1000


def flatten(obj: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested objects to dotted keys; lists (and empty objects) to JSON strings."""
    out: dict[str, Any] = {}
    for key, value in obj.items():
        name = prefix + key
        if isinstance(value, dict) and value:
            out.update(flatten(value, name + "."))
        elif isinstance(value, list | dict):
            out[name] = json.dumps(value, ensure_ascii=False)
        else:
            out[name] = value
    return out


def flat_row(report: dict[str, Any]) -> dict[str, Any]:
    """One export row: the report's columns, then `provenance.*`."""
    body = {k: v for k, v in report.items() if k != "provenance"}
    return {**flatten(body), **flatten(report.get("provenance") or {}, "provenance.")}


def _merge(order: list[str], keys: list[str]) -> None:
    """Add the keys missing from `order`, each right after the key that precedes it in `keys`."""
    known = set(order)
    prev: str | None = None
    for key in keys:
        if key not in known:
            order.insert(order.index(prev) + 1 if prev is not None else 0, key)
            known.add(key)
        prev = key


def _kind(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    return "float" if isinstance(value, float) else "str"


_ARROW = {"bool": pa.bool_(), "int": pa.int64(), "float": pa.float64(), "str": pa.string()}


def _columns(rows: Iterator[dict[str, Any]]) -> tuple[list[str], dict[str, str]]:
    """Column names in export order and each column's kind (ints mixed with floats are floats)."""
    body: list[str] = []
    prov: list[str] = []
    kinds: dict[str, str] = {}
    for row in rows:
        _merge(body, [k for k in row if not k.startswith("provenance.")])
        _merge(prov, [k for k in row if k.startswith("provenance.")])
        for key, value in row.items():
            kind, old = _kind(value), kinds.get(key)
            if kind is None or old == kind:
                continue
            if old is None:
                kinds[key] = kind
            else:
                kinds[key] = "float" if {old, kind} <= {"int", "float"} else "str"
    return body + prov, kinds


def _coerce(value: Any, kind: str) -> Any:
    if value is None or kind != "str" or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


@contextmanager
def _atomic(out: Path) -> Iterator[Path]:
    """A temporary path beside `out`, renamed to `out` when the block succeeds."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{uuid.uuid4().hex}.tmp")
    try:
        yield Path(tmp)
        os.replace(tmp, out)
    finally:
        Path(tmp).unlink(missing_ok=True)


def _jsonl(store: Store, path: Path) -> int:
    n = 0
    with path.open("w", encoding="utf-8") as f:
        for report in store.iter_reports():
            f.write(json.dumps(report, ensure_ascii=False) + "\n")
            n += 1
    return n


def _csv(store: Store, path: Path) -> int:
    columns, _ = _columns(flat_row(r) for r in store.iter_reports())
    n = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, restval="")
        writer.writeheader()
        for report in store.iter_reports():
            writer.writerow(flat_row(report))
            n += 1
    return n


def _parquet(store: Store, path: Path) -> int:
    columns, kinds = _columns(flat_row(r) for r in store.iter_reports())
    schema = pa.schema([(c, _ARROW[kinds.get(c, "str")]) for c in columns])
    n = 0
    batch: list[dict[str, Any]] = []

    def flush(writer: pq.ParquetWriter) -> None:
        data = {c: [_coerce(row.get(c), kinds.get(c, "str")) for row in batch] for c in columns}
        writer.write_table(pa.Table.from_pydict(data, schema=schema))
        batch.clear()

    with pq.ParquetWriter(path, schema) as writer:
        for report in store.iter_reports():
            batch.append(flat_row(report))
            n += 1
            if len(batch) >= BATCH:
                flush(writer)
        if batch or n == 0:
            flush(writer)
    return n


_WRITERS: dict[str, Callable[[Store, Path], int]] = {"jsonl": _jsonl, "csv": _csv, "parquet": _parquet}


def export(store: Store, fmt: str, out: Path) -> int:
    """Write every report to `out` (replaced atomically) in `fmt`; returns the number of reports written."""
    if fmt not in _WRITERS:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {FORMATS}")
    with _atomic(Path(out)) as tmp:
        return _WRITERS[fmt](store, tmp)
