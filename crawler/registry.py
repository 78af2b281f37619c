"""The sites registry: a data file of counties; adding a county is adding a row to sites.csv."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

REGISTRY = Path(__file__).with_name("sites.csv")


@dataclass(frozen=True)
class County:
    name: str
    province: str
    division_code: str
    homepage: str
    column_url: str = ""
    notes: str = ""

    @property
    def start_urls(self) -> list[str]:
        """The known 年报 column first when the registry has one (saves the walk), then the homepage."""
        return [u for u in (self.column_url, self.homepage) if u]


def load(path: Path = REGISTRY) -> list[County]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [County(**{k: (v or "").strip() for k, v in row.items()}) for row in csv.DictReader(fh)]

