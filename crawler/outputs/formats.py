"""The export formats, in one registry: each with its name, file suffix, writer and row counter.

`FORMATS` is what `nianbao export`, `nianbao dump` (one reports file per format), `dump --verify` (row counts)
and the CLI's `--format` choices read; a new format is one `Format` here.

A writer takes `reports`, a function that returns a fresh iterable of reports (schema object plus
`provenance`) each time it is called, and a path; it returns the number of reports written.

CSV and Parquet get one row per report with dotted column names (`requests.new.natural_person`,
`provenance.page_url`); lists (`checks`, `provenance.discovery_path`) become JSON strings. The columns are the
union over all reports: report keys in the order the reports give them (keys only some reports have, such as
the 2019 form's `active.procurement.*`, are placed after their predecessor), provenance columns last.
Tabular formats read the reports twice (columns and types first), so memory stays flat however many there are.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Reports = Callable[[], Iterable[dict[str, Any]]]
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


def _jsonl(reports: Reports, path: Path) -> int:
    n = 0
    with path.open("w", encoding="utf-8") as f:
        for report in reports():
            f.write(json.dumps(report, ensure_ascii=False) + "\n")
            n += 1
    return n


def _csv(reports: Reports, path: Path) -> int:
    columns, _ = _columns(flat_row(r) for r in reports())
    n = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, restval="")
        writer.writeheader()
        for report in reports():
            writer.writerow(flat_row(report))
            n += 1
    return n


def _parquet(reports: Reports, path: Path) -> int:
    import pyarrow as pa  # here, not at the top: the CLI reads this registry for its choices
    import pyarrow.parquet as pq

    arrow = {"bool": pa.bool_(), "int": pa.int64(), "float": pa.float64(), "str": pa.string()}
    columns, kinds = _columns(flat_row(r) for r in reports())
    schema = pa.schema([(c, arrow[kinds.get(c, "str")]) for c in columns])
    n = 0
    batch: list[dict[str, Any]] = []

    def flush(writer: pq.ParquetWriter) -> None:
        data = {c: [_coerce(row.get(c), kinds.get(c, "str")) for row in batch] for c in columns}
        writer.write_table(pa.Table.from_pydict(data, schema=schema))
        batch.clear()

    with pq.ParquetWriter(path, schema) as writer:
        for report in reports():
            batch.append(flat_row(report))
            n += 1
            if len(batch) >= BATCH:
                flush(writer)
        if batch or n == 0:
            flush(writer)
    return n


def _count_lines(path: Path) -> int:
    with path.open(encoding="utf-8") as f:
        return sum(1 for _ in f)


def _count_csv(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as f:
        return max(sum(1 for _ in csv.reader(f)) - 1, 0)


def _count_parquet(path: Path) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).metadata.num_rows


@dataclass(frozen=True)
class Format:
    name: str
    suffix: str  # of a file in this format, e.g. ".jsonl"
    write: Callable[[Reports, Path], int]
    count: Callable[[Path], int]  # the reports (rows) a file in this format holds


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("jsonl", ".jsonl", _jsonl, _count_lines),
    Format("csv", ".csv", _csv, _count_csv),
    Format("parquet", ".parquet", _parquet, _count_parquet),
)}
NAMES = tuple(FORMATS)


def get(name: str) -> Format:
    """The format called `name`; ValueError naming the known ones otherwise."""
    try:
        return FORMATS[name]
    except KeyError:
        raise ValueError(f"unknown export format {name!r}; expected one of {NAMES}") from None
