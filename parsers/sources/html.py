"""HTML pages in any encoding, the report inside site chrome.

Leaf tables (tables with no table inside: layout tables of old sites wrap everything) become grids with
row spans copied down (a parent label applies to every row it spans) and column spans marked as covered.
All other text becomes lines, one per block element, in document order with the tables.
"""

from __future__ import annotations

import re
from typing import Any

from bs4 import BeautifulSoup, NavigableString, Tag

from ..encoding import decode
from ..limits import TooLarge, check_time, current
from ..rows import Extract, RowBuilder
from ..text import normalize

_BLOCK = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th", "table", "section",
    "article", "header", "footer", "nav", "aside", "dd", "dt", "dl", "blockquote", "pre", "hr", "form", "center",
    "tbody", "thead", "caption", "main", "address", "figure", "figcaption",
}
_SKIP = {"script", "style", "noscript", "template", "iframe", "object", "svg", "head", "select", "option", "button"}


def _text(el: Tag) -> str:
    """Text with a line break around block elements and none inside inline ones (no recursion: pages nest deep)."""
    out: list[str] = []
    stack: list[Any] = [el]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            if type(node) is NavigableString or node == "\n":
                out.append(str(node))
            continue
        if not isinstance(node, Tag) or node.name in _SKIP:
            continue
        block = node.name in _BLOCK
        if block:
            out.append("\n")
            stack.append("\n")
        stack.extend(reversed(list(node.children)))
    return "".join(out)


def table_grid(table: Tag) -> list[list[str | None]]:
    """The table as a grid: text copied down into rows a cell spans, None in columns it spans."""
    grid: dict[tuple[int, int], str | None] = {}
    rows = [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]
    width = 0
    for r, tr in enumerate(rows):
        c = 0
        for td in tr.find_all(["td", "th"], recursive=False):
            while (r, c) in grid:
                c += 1
            text = re.sub(r"[ \t\r\f\v\xa0\u3000]+", " ", _text(td)).strip()
            text = "\n".join(line.strip() for line in text.splitlines() if line.strip())
            rowspan = _span(td.get("rowspan"))
            colspan = _span(td.get("colspan"))
            for dr in range(min(rowspan, len(rows) - r)):
                for dc in range(colspan):
                    grid[(r + dr, c + dc)] = text if dc == 0 else None
            c += colspan
            width = max(width, c)
    return [[grid.get((r, c), "") for c in range(width)] for r in range(len(rows))]


def _span(value: Any) -> int:
    try:
        return max(1, min(int(str(value).strip()), 200))
    except (TypeError, ValueError):
        return 1


_TABLE_TAG = re.compile(r"<(/?)table\b", re.I)


def _table_depth(text: str, limit: int) -> None:
    """Refuse tables nested deeper than `limit`, from the tags before any parsing (building the tree of
    deep nesting, and finding its leaf tables, cost the depth for every table). Unclosed tables count as open."""
    depth = 0
    for m in _TABLE_TAG.finditer(text):
        depth = max(0, depth - 1) if m.group(1) else depth + 1
        if depth > limit:
            raise TooLarge(f"tables nested more than {limit} deep (NIANBAO_MAX_DEPTH)")


def extract_html(data: bytes, declared: str | None = None) -> Extract:
    text = decode(data, declared)
    _table_depth(text, current().max_depth)
    soup = BeautifulSoup(text, "lxml")
    check_time()
    hints = []
    for meta_name in ("ArticleTitle", "title", "Title"):
        meta = soup.find("meta", attrs={"name": meta_name})
        if meta and meta.get("content"):
            hints.append(normalize(str(meta["content"])))
    for tag in ("h1", "title"):
        el = soup.find(tag)
        if el:
            hints.append(normalize(el.get_text(" ", strip=True)))
    body = soup.body or soup
    for dead in body.find_all(_SKIP):
        dead.decompose()
    leaves = [t for t in body.find_all("table") if t.find("table") is None]
    grids: dict[int, list[list[str | None]]] = {}
    for i, table in enumerate(leaves):
        if i % 64 == 0:
            check_time()
        grids[i] = [[normalize(c) if c else c for c in row] for row in table_grid(table)]
        table.replace_with(NavigableString(f"\n\x00TABLE{i}\x00\n"))
    builder = RowBuilder()
    lines: list[str] = []
    for raw in _text(body).splitlines():
        line = normalize(raw).strip()
        m = re.fullmatch(r"\x00TABLE(\d+)\x00", line)
        if m:
            grid = grids[int(m.group(1))]
            lines.extend(" ".join(c for c in row if c) for row in grid)
            builder.feed_grid(grid)
        elif line:
            lines.append(line)
            builder.feed_line(line)
    return Extract(text="\n".join(lines), rows=builder.finish(), title_hints=hints, form="html")
