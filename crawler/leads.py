"""Where a link leads, from the link itself and where it sits (pure functions): a frame of the page, a 年报 column,
the list's next page, a sub-column of the column, or the 政府信息公开 menu on the way to it."""

from __future__ import annotations

import re
from enum import StrEnum
from urllib.parse import urlsplit

from crawler import classify
from crawler.listing import Link

MENU_PATH = re.compile(r"/(?:zwgk|zfxxgk|xxgk|gk|gkml|gkmlpt|xxgkml|zfgk|zwxxgk|public|govinfo|openness|zdgk|fdzdgknr)"
                       r"(?:/|$|_|\.|index)", re.I)
COLUMN_PATH = re.compile(r"nb|ndbg|gknb|annual|xxgknb|zfxxgknb|ndbb|gzbg", re.I)
ARTICLE = re.compile(r"t\d{8}_\d+|art_\d+_\d+|content_\d+|post_\d+|/\d{4}/\d{2}-\d{2}/\d+|/info/\d+/\d+|"
                     r"/show/\d+|[?&](?:id|articleid|docid|infoid)=\d+|/\d{5,}\.s?html?$|/\d{6,}$", re.I)


class Lead(StrEnum):
    FRAME = "frame"  # a same-site frame: part of this page
    COLUMN = "column"  # a 年报 column, by its name
    NEXT = "next"  # the list's next page
    SUB = "sub"  # a sub-column or folder of the column (by year, by organ, a tab, a folder under its path)
    MENU = "menu"  # the 政府信息公开 area on the way to the column


def directory(url: str) -> str:
    path = urlsplit(url).path
    return path if path.endswith("/") else path.rsplit("/", 1)[0] + "/"


def lead(link: Link, *, in_column: bool, menus_left: bool, root_dir: str, own_blocks: set[int]) -> Lead | None:
    """What following `link` gives. `in_column`: the page is (inside) a 年报 column whose first page lives in
    `root_dir`; `own_blocks`: the blocks holding a link to the page itself (its tab bar); `menus_left`: menu
    pages may still be followed towards the column."""
    names = [n for n in (link.text, link.title) if n]
    if link.frame:
        return Lead.FRAME
    if any(classify.is_column(n) for n in names):
        return Lead.COLUMN
    if in_column and classify.is_next_page(link.text):
        return Lead.NEXT
    if in_column and within(link, root_dir, own_blocks):
        return Lead.SUB
    if not in_column and menus_left and (
            any(classify.is_menu(n) for n in names)
            or (MENU_PATH.search(urlsplit(link.url).path) and len(link.text) <= 14 and not ARTICLE.search(link.url)
                and not classify.is_decoy(link.text))):
        return Lead.MENU
    return None


def within(link: Link, root_dir: str, own_blocks: set[int]) -> bool:
    """A link that belongs to the column's own structure: a year or organ folder, a tab beside the column's
    own link, or a folder whose path extends the column's (not an article)."""
    if ARTICLE.search(link.url) or classify.is_decoy(link.text):
        return False
    if classify.is_folder(link.text) or classify.is_folder(link.title):
        return True
    short = 0 < len(link.text) <= 16
    if short and link.block in own_blocks:
        return True
    path = urlsplit(link.url).path
    return short and path.startswith(root_dir) and path != root_dir and (
        path.endswith("/") or re.search(r"/(?:index|list|default)(?:_\d+)?\.\w+$", path) is not None
        or COLUMN_PATH.search(path[len(root_dir):]) is not None)
