"""What the spider hands to the pipelines, declared: a fetched document to parse and store, or what a recrawl
learned about reports already stored (seen again, or removed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class DocumentItem:
    """A fetched report candidate: the parse pipeline fills `report`, the store pipeline stores it."""

    site: str
    page_url: str  # the report's page (the list's link)
    document_url: str  # where the bytes came from: the page itself or its attachment
    body: bytes
    content_type: str
    http_status: int
    fetched_at: datetime
    discovery_path: list[str]  # the list pages that led to it, homepage first
    list_title: str | None = None  # the title the list showed
    attachment: bool = False
    filename: str | None = None  # from Content-Disposition
    sha256: str | None = None  # of `body`, when the spider hashed it already
    candidate: bool = False  # the list's link said nothing (查看, 下载, a file name): only the document tells
    report: dict[str, Any] | Exception | None = field(default=None, repr=False)  # parsed already (inline pages)
    schema_problems: list[str] | None = field(default=None, repr=False)  # validated with the parse (in the worker)

    def describe(self) -> str:
        return f"<document {self.site}: {self.document_url}>"


@dataclass
class SeenItem:
    """Stored reports whose page or document is as before (a 304, the same bytes)."""

    site: str
    report_ids: list[int]

    def describe(self) -> str:
        return f"<seen {self.site}: {self.report_ids}>"


@dataclass
class RemovedItem:
    """Stored reports whose page or document is gone (404/410, or no longer a report)."""

    site: str
    report_ids: list[int]
    detail: str

    def describe(self) -> str:
        return f"<removed {self.site}: {self.report_ids}>"


Item = DocumentItem | SeenItem | RemovedItem
