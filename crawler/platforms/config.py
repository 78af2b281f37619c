"""Configuration values a page carries for its scripts, whatever their shape: `var SID='…'`, `SID: '…'`,
`"catId": 12`, `data-cat-id="12"`, `?sid=…&catId=…` in a script's URL, a category tree with names (a JSON
`<script>`, or a JSON literal in a script: `var CATS = […]`, `TREE: […]` inside a config object). Keys are compared
without case, `_` or `-` (catId = cat_id = data-cat-id)."""

from __future__ import annotations

import html
import json
import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from crawler import classify

_PAIR = re.compile(r"""(?<![&?\w])["']?([A-Za-z_$][\w$-]{0,40})["']?\s*[:=]\s*(?:"([^"\n]{0,200})"|'([^'\n]{0,200})'|(-?\d{1,20})\b)""")
_DATA = re.compile(r"""\bdata-([\w-]{1,40})\s*=\s*["']([^"']{0,200})["']""")
_URLS = re.compile(r"""(?:src|href|url)\s*[=:]\s*["']([^"']*\?[^"']*)["']""", re.I)
_SCRIPT = re.compile(r"<script\b[^>]*>(.*?)</script>", re.S | re.I)
_JSON_SCRIPT = re.compile(r"<script[^>]*type=[\"']application/json[\"'][^>]*>(.*?)</script>", re.S | re.I)
_LITERAL = re.compile(r"[=:]\s*(?=\[\s*\{)")  # where a JSON array of objects is assigned or is a key's value


def key(name: str) -> str:
    return re.sub(r"[-_$]", "", name).lower()


def values(text: str) -> dict[str, list[str]]:
    """Every key → its values, in page order."""
    out: dict[str, list[str]] = {}

    def put(k: str, v: str) -> None:
        if v != "":
            out.setdefault(key(k), []).append(v)

    # key: value pairs of the page's scripts (of the whole text when it is no HTML), not of its HTML attributes
    scripts = "\n".join(_SCRIPT.findall(text)) if re.search(r"<(?:html|body|div|script)\b", text, re.I) else text
    for m in _PAIR.finditer(scripts):
        put(m.group(1), m.group(2) if m.group(2) is not None else m.group(3) if m.group(3) is not None else m.group(4))
    for m in _DATA.finditer(text):
        put(m.group(1), html.unescape(m.group(2)))
    for m in _URLS.finditer(text):
        for k, v in parse_qsl(urlsplit(html.unescape(m.group(1))).query):
            put(k, v)
    return out


def first(found: dict[str, list[str]], *names: str) -> str | None:
    """The first value of the first of `names` the page has; else of a key ending in one (ANNUAL_REPORT_CATEGORY)."""
    for name in names:
        for v in found.get(key(name), []):
            return v
    for name in (n for n in names if len(key(n)) >= 5):
        for k, vs in found.items():
            if k.endswith(key(name)) and vs:
                return vs[0]
    return None


def _literals(text: str) -> list[Any]:
    """The JSON arrays of objects written in `text` as a value (`= […]`, `KEY: […]`), each read whole however deep."""
    out, end, decoder = [], 0, json.JSONDecoder()
    for m in _LITERAL.finditer(text):
        if m.end() < end:
            continue  # inside the literal just read
        try:
            data, end = decoder.raw_decode(text, m.end())
        except ValueError:
            continue
        out.append(data)
    return out


def categories(text: str) -> list[dict[str, Any]]:
    """Objects with a name and an id found in the page's JSON (a category tree, a column list). A category's
    parent is its `parent`/`pid`… key, else the category it is nested in (a tree of `children`)."""
    out: list[dict[str, Any]] = []
    blobs: list[Any] = []
    for raw in _JSON_SCRIPT.findall(text):
        try:
            blobs.append(json.loads(raw))
        except ValueError:
            continue
    blobs += _literals(text)
    stack: list[tuple[Any, str | None]] = [(blob, None) for blob in blobs]
    while stack:
        node, above = stack.pop()
        if isinstance(node, dict):
            keys = {key(k): v for k, v in node.items()}
            name = next((v for k, v in keys.items() if k in ("name", "title", "catname", "text", "label", "columnname")
                         and isinstance(v, str)), None)
            ident = next((v for k, v in keys.items() if k in ("catid", "id", "categoryid", "columnid", "code",
                                                              "categorynum") and isinstance(v, str | int)), None)
            if name is not None and ident is not None:
                parent = next((v for k, v in keys.items() if k in ("parent", "parentid", "pid", "parentcode")), None)
                out.append({"name": name, "id": str(ident), "parent": above if parent is None else str(parent)})
                above = str(ident)
            stack.extend((v, above) for v in node.values() if isinstance(v, dict | list))
        elif isinstance(node, list):
            stack.extend((v, above) for v in node)
    return out


def report_categories(cats: list[dict[str, Any]], also: list[str] | None = None) -> list[str]:
    """The ids of the 年报 categories (found by their names, and `also`) and of every category below them."""
    roots = [c["id"] for c in cats if classify.is_column(c["name"])] + (also or [])
    chosen = list(dict.fromkeys(roots))
    for cat_id in chosen:  # grows while it is walked: every descendant
        chosen += [c["id"] for c in cats if c["parent"] == cat_id and c["id"] not in chosen]
    return chosen
