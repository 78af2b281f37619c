"""What a page holds, judged by its content: report entries, links that may be reports, sub-columns, further
pages of its list, the size the list announces, and whether a script builds what plain HTTP does not show.

Pure functions over a page's HTML (or the HTML inside JSON/XML answers); no Scrapy requests are made here. The
spider decides what to fetch from a `ListPage`; these rules are the same for every CMS family.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from crawler import classify
from crawler.classify import squash

MAX_LINKS = 3000  # a page with more links is read this far (a 10,000-link page is a trap, not a list)
_ROW_TAGS = {"li", "tr", "dd", "dt", "p", "article", "h3", "h4"}
_BLOCK_TAGS = {"ul", "ol", "nav", "table", "tbody", "div", "dl", "section", "aside", "td", "form", "select"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "caption", "th", "legend"}
_ANNOUNCED = re.compile(
    r"共\s*(\d{1,6})\s*(条|篇|个|件|页)|总共\s*(\d{1,6})\s*(条|页)|(?:记录|条目|信息)(?:总)?数\s*[:：]?\s*(\d{1,6})"
    r"|[\"']?(totalRecord|totalrecord|recordCount|totalCount|total_count|totalNum|totalElements|total|count|pageCount|totalPage|totalPages|pagecount)[\"']?"
    r"\s*[:=]\s*[\"']?(\d{1,6})\b"
    r"|<totalrecord>\s*(\d{1,6})\s*</totalrecord>",
)
_DATA_SCRIPT = re.compile(r"<script[^>]*type=[\"']?text/(?:xml|html|template|x-template)[\"']?[^>]*>(.*?)</script>",
                          re.S | re.I)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")  # lxml refuses text that declares its encoding
_PAGE_WORDS = {"pageCount", "totalPage", "totalPages", "pagecount"}


@dataclass
class Link:
    url: str
    text: str  # what the link shows: its text, else its image's alt/title, else its title attribute
    title: str = ""  # the title attribute (lists cut titles short and keep the whole one here)
    row: str = ""  # the text of its row (li, tr, dd …): the entry the link belongs to
    block: int = 0  # the container it sits in, with its siblings (a menu, a tab bar, a list)
    element: Any = field(default=None, repr=False, compare=False)
    frame: bool = False  # an <iframe>/<frame> of the page: its content is part of the page


@dataclass
class Entry:
    """A list entry that is (or may be) a report."""

    url: str
    title: str | None  # the report's title as the list shows it; None: only the document can tell
    how: str  # text, title, row, heading, document


@dataclass
class ListPage:
    links: list[Link] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)  # report titles
    candidates: list[Entry] = field(default_factory=list)  # links that say nothing, in a list about reports
    row_urls: set[str] = field(default_factory=set)  # links in list rows (entries of any kind, decoys too): to
    # compare with what the list announces
    announced: int | None = None  # entries the list says it holds (共N条, totalRecord, total …)
    page_count: int | None = None  # pages the list says it has (共N页, pageCount …)
    scripted: bool = False  # scripts, data configurations or an empty app container: a browser may show more
    heading: str = ""  # the page's own title/heading text
    cut: bool = False  # more links than MAX_LINKS: read only to the first of them


def _text(el: Any) -> str:
    return " ".join(" ".join(el.itertext()).split()) if el is not None else ""


def _link_text(a: Any) -> str:
    text = _text(a)
    if not text:
        for img in a.iter("img"):
            text = img.get("alt") or img.get("title") or ""
            if text:
                break
    return text.strip() or (a.get("title") or "").strip()


def _row(a: Any) -> Any:
    """The list entry a link belongs to (li, tr, dd …; a <dl> or <tr> when the link's own cell holds only it)."""
    el = a.getparent()
    for _ in range(4):
        if el is None:
            return None
        if el.tag in _ROW_TAGS:
            parent = el.getparent()
            if (_text(el) == _text(a) and parent is not None and parent.tag in ("dl", "tr", "li", "div")
                    and len(_text(parent)) < 400 and sum(1 for _ in parent.iter("a")) <= 4):
                return parent  # the title sits in a cell beside the link's
            return el
        cls = (el.get("class") or "").lower()
        if el.tag in ("div", "span") and re.search(r"item|row|entry|list-?con|news", cls) and len(_text(el)) < 400:
            return el
        el = el.getparent()
    return None


def _anchor_counts(root: Any) -> dict[Any, int]:
    """How many anchors each element holds, in one pass over the page's anchors (not one count per link)."""
    counts: dict[Any, int] = {}
    for n, a in enumerate(root.iter("a")):
        if n >= MAX_LINKS:
            break
        el = a.getparent()
        while el is not None:
            counts[el] = counts.get(el, 0) + 1
            el = el.getparent()
    return counts


def _block(a: Any, counts: dict[Any, int]) -> Any:
    el = a.getparent()
    while el is not None:
        if el.tag in _BLOCK_TAGS and counts.get(el, 0) >= 2:
            return el
        el = el.getparent()
    return None


def parse_html(body: str) -> Any:
    """An lxml tree of a page or of an HTML fragment (CDATA records included); None if there is nothing."""
    body = _DATA_SCRIPT.sub(r"\1", body)  # records a CMS keeps in <script type="text/xml"> (Hanweb's datastore)
    body = _XML_DECLARATION.sub("", body.replace("<![CDATA[", "").replace("]]>", ""), count=1)
    if not body.strip():
        return None
    try:
        return lxml.html.document_fromstring(body)
    except (etree.ParserError, ValueError):
        return None


_ONCLICK_URL = re.compile(r"""(?:location(?:\.href)?\s*=|window\.open\(|location\.assign\(|openUrl\()\s*['"]([^'"]+)['"]""")


def _target(el: Any) -> str:
    """Where an element leads: an anchor's href, a <select>'s option value, an onclick's location."""
    if el.tag == "a":
        href = (el.get("href") or "").strip()
        if href and not href.lower().startswith(("javascript:", "mailto:", "tel:")):
            return href
    elif el.tag == "option":
        value = (el.get("value") or "").strip()
        if _looks_like_url(value):
            return value
        return ""
    m = _ONCLICK_URL.search(el.get("onclick") or "") or (
        _ONCLICK_URL.search(el.get("href") or "") if el.tag == "a" else None)
    return m.group(1) if m else ""


def links_of(root: Any, base_url: str) -> Iterator[Link]:
    """Every link of the page with its text, row and block: anchors, the options of a <select> that jumps to
    its value, elements whose onclick sets the location. `javascript:` and plain #anchors left out (a hash
    route `#/…` of a script-only site is a page)."""
    blocks: dict[int, int] = {}
    counts = _anchor_counts(root)
    n = 0
    for el in root.iter("a", "option", "li", "tr", "div", "span", "td", "button", "iframe", "frame"):
        if el.tag in ("iframe", "frame"):
            src = (el.get("src") or "").strip()
            if src and not src.lower().startswith(("javascript:", "about:", "data:")):
                yield Link(urljoin(base_url, src), "", frame=True, element=el)
            continue
        if el.tag not in ("a", "option") and not el.get("onclick"):
            continue
        href = _target(el)
        if not href or (href.startswith("#") and not is_route(href[1:])):
            continue
        n += 1
        if n > MAX_LINKS:
            return
        text = _link_text(el).lstrip("-—–· ") if el.tag == "option" else _link_text(el)
        row = _row(el)
        block = el.getparent() if el.tag == "option" else _block(el, counts)
        yield Link(urljoin(base_url, href), text, (el.get("title") or "").strip(), _text(row) if row is not None else "",
                   blocks.setdefault(id(block), len(blocks) + 1) if block is not None else 0, el)


def json_links(data: Any, base_url: str) -> Iterator[Link]:
    """Links in a JSON answer, found by shape: an object with a title-like and a URL-like string, wherever it
    is nested, and HTML fragments in string values."""
    if isinstance(data, dict):
        strings = {k: v for k, v in data.items() if isinstance(v, str)}
        url = next((v for k, v in strings.items() if _is_url_key(k) and _looks_like_url(v)), None) or next(
            (v for v in strings.values() if _looks_like_url(v)), None)
        # the title under a title-like key, else the longest Chinese text beside the URL ({"t": …, "u": …})
        title = next((v for k, v in strings.items() if _is_title_key(k) and v.strip()), None) or max(
            (v for v in strings.values() if re.search(r"[\u4e00-\u9fff]{4}", v) and v != url), key=len, default=None)
        if url and title:
            yield Link(urljoin(base_url, url), title.strip(), row=" ".join(str(v) for v in strings.values())[:300])
        for value in data.values():
            if isinstance(value, str) and "<a" in value:
                root = parse_html(value)
                if root is not None:
                    yield from links_of(root, base_url)
            elif isinstance(value, dict | list):
                yield from json_links(value, base_url)
    elif isinstance(data, list):
        for value in data:
            yield from json_links(value, base_url)


def xml_links(body: str, base_url: str) -> Iterator[Link]:
    """Links in an XML answer, found by shape: an element whose children hold a title-like and a URL-like text
    (`<item><title>…</title><link>…</link></item>`, whatever the names)."""
    try:
        root = etree.fromstring(_XML_DECLARATION.sub("", body, count=1).encode("utf-8"),
                                etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False))
    except (etree.XMLSyntaxError, ValueError):
        return
    if root is None:
        return
    for el in root.iter():
        kids = {str(c.tag).lower(): (c.text or "").strip() for c in el if isinstance(c.tag, str)}
        url = next((v for k, v in kids.items() if _is_url_key(k) and _looks_like_url(v)), None)
        title = next((v for k, v in kids.items() if _is_title_key(k) and v), None)
        if url and title:
            yield Link(urljoin(base_url, url), title, row=" ".join(kids.values())[:300])


def _is_url_key(key: str) -> bool:
    k = key.lower()
    return any(w in k for w in ("url", "link", "href", "path")) and "img" not in k and "pic" not in k


def _is_title_key(key: str) -> bool:
    k = key.lower()
    return any(w in k for w in ("title", "name", "subject", "bt", "mc")) and "column" not in k and "site" not in k


def _looks_like_url(value: str) -> bool:
    v = value.strip()
    return bool(v) and " " not in v and (v.startswith(("/", "./", "../", "http://", "https://", "//")) or
                                         re.search(r"\.(?:s?html?|jsp|aspx?|php|pdf|docx?|wps)(?:\?|$)", v) is not None)


def _heading(root: Any) -> str:
    for tag in ("h1", "h2", "title"):
        for el in root.iter(tag):
            text = _text(el)
            if text:
                return text
    return ""


def _nearest_heading(a: Any) -> str:
    """The heading just above the link (a 年报汇总 page: a heading naming the report, then its files)."""
    el, steps = a, 0
    while el is not None and steps < 60:
        prev = el.getprevious()
        while prev is None:
            el = el.getparent()
            if el is None:
                return ""
            prev = el.getprevious()
        el, steps = prev, steps + 1
        if el.tag in _HEADINGS or (el.tag in ("p", "div", "strong", "b") and len(_text(el)) < 80 and "年" in _text(el)):
            text = _text(el)
            if text:
                return text
    return ""


def _announced(text: str) -> tuple[int | None, int | None]:
    entries: list[int] = []
    pages: list[int] = []
    for m in _ANNOUNCED.finditer(text):
        if m.group(1):
            (pages if m.group(2) == "页" else entries).append(int(m.group(1)))
        elif m.group(3):
            (pages if m.group(4) == "页" else entries).append(int(m.group(3)))
        elif m.group(5):
            entries.append(int(m.group(5)))
        elif m.group(6):
            (pages if m.group(6) in _PAGE_WORDS else entries).append(int(m.group(7)))
        elif m.group(8):
            entries.append(int(m.group(8)))
    return (max(entries) if entries else None), (max(pages) if pages else None)


def judge(link: Link) -> Entry | None:
    """A report entry from what the list shows of it: the link's text, its title attribute, its row."""
    for how, text in (("title", link.title), ("text", link.text), ("row", link.row)):
        if text and (found := classify.report_link(text)) is not None:
            return Entry(link.url, found.title, how)
    if not link.row or classify.is_decoy(link.text):
        return None
    found = classify.find_report_title(link.row)
    if found is None and link.element is not None and classify.is_generic(link.text):
        row = _row(link.element)  # the title in a cell of its own, maybe cut short: each piece of the row
        pieces = [t.strip() for t in row.itertext()] if row is not None else []
        found = next((r for r in map(classify.report_link, pieces) if r is not None), None)
    return Entry(link.url, found.title, "row") if found is not None else None


def read(body: str, url: str, *, about_reports: bool = False) -> ListPage:
    """What the page at `url` holds. `about_reports`: the page is (inside) a 年报 column, so links that say
    nothing (查看, 下载, a file name, a date) are candidates for the document to decide."""
    page = ListPage()
    stripped = body.lstrip()
    links: list[Link] = []
    root = None
    if stripped[:1] in "{[":
        try:
            links = list(json_links(json.loads(stripped), url))
        except ValueError:
            pass
    if not links and stripped[:1] == "<" and not re.match(r"<(?:!doctype|html)", stripped[:20], re.I):
        links = list(xml_links(stripped, url))
    if not links:
        root = parse_html(body)
        if root is not None:
            links = list(links_of(root, url))
            page.cut = len(links) >= MAX_LINKS
            page.heading = _heading(root)
    page.links = links
    page.announced, page.page_count = _announced(body)
    about_reports = about_reports or classify.is_column(page.heading) or "年报" in page.heading
    seen: set[str] = set()
    for link in links:
        if link.frame:
            continue  # the spider reads a frame as part of this page
        if link.row and len(link.text) >= 4 and not classify.is_next_page(link.text) and not classify.is_menu(link.text):
            page.row_urls.add(link.url)
        if link.url in seen:
            continue
        entry = judge(link)
        if entry is not None:
            seen.add(link.url)
            page.entries.append(entry)
            continue
        if about_reports and _says_nothing(link):
            heading = _nearest_heading(link.element) if link.element is not None else ""
            found = classify.report_link(heading) if heading else None
            seen.add(link.url)
            if found is not None and classify.is_document_url(link.url):
                page.entries.append(Entry(link.url, found.title, "heading"))
            else:
                page.candidates.append(Entry(link.url, None, "document"))
    if root is not None:
        page.scripted = _scripted(root, page)
    return page


def _says_nothing(link: Link) -> bool:
    """A link whose text names no report and no other thing: 查看, 下载, 附件, a file name, a date, an image; or a
    title the list cut too short to tell (`XX局2023年…`)."""
    text = squash(link.text)
    if classify.is_decoy(link.text) or classify.is_decoy(link.row) or classify.is_decoy(link.title):
        return False
    if classify.is_folder(link.text) or classify.is_pager(link.text):
        return False  # a year or organ sub-column, a page of the list: not a report
    if re.search(r"(?:…|\.\.\.?|\.\.)$", text) and not link.title:
        return True  # cut short by the list (the whole title nowhere): only the page can tell
    if classify.is_document_url(link.url):
        return not classify.is_decoy(link.title)
    return classify.is_generic(text)


def _scripted(root: Any, page: ListPage) -> bool:
    """Scripts, a data configuration or an empty app container: what plain HTTP shows may not be all."""
    scripts = [s for s in root.iter("script") if s.get("src") or len(s.text or "") > 40]
    empty_app = any(
        not _text(el) and len(el) == 0
        for el in root.iter("div", "ul", "tbody", "table", "section")
        if re.search(r"app|list|content|data|result|info", (el.get("id") or "") + " " + (el.get("class") or ""), re.I)
    )
    configured = any(k.startswith(("data-", "ms-", "v-", ":", "x-")) for el in root.iter() for k in el.attrib)
    return bool(scripts) and (empty_app or configured or not page.entries)


def is_route(fragment: str) -> bool:
    """A URL fragment that a page's script reads to choose what it shows (`#/list/2`, `#!/nb`, `#3097`,
    `#cat=12`), not an anchor to scroll to."""
    return bool(fragment) and (fragment.startswith(("/", "!")) or fragment.isdigit() or "=" in fragment)


def canonical(url: str) -> str:
    """One spelling of a page's URL: no fragment (but a route's), `dir/index.html` as `dir`, no final /."""
    base, _, fragment = url.partition("#")
    base = re.sub(r"/(?:index|default)\.(?:s?html?|jsp|aspx?|php)$", "/", base, flags=re.I).rstrip("/")
    return base + ("#" + fragment if is_route(fragment) else "")


def same_list_pages(url: str, links: list[Link], page_count: int | None, limit: int) -> list[str]:
    """The other pages of the list at `url`: links that differ from it (or from each other) by one page
    number (index_2.html, list_3.html, ?page=4, &pageIndex=5, /p/6), and, when the list says how many pages it
    has, the ones its pager does not show."""
    here = urlsplit(url)
    templates: dict[str, set[int]] = {}
    for link in links:
        if not classify.is_pager(link.text):
            continue  # a pager's links say 2, 3, 下一页, 尾页 …: other links that differ by a number are not pages
        t = _page_template(url, link.url) or _page_template(_index(url), link.url)
        if t is not None:
            templates.setdefault(t[0], set()).add(t[1])
    out: list[str] = []
    for template, numbers in templates.items():
        top = max(numbers)
        if page_count:
            top = max(top, page_count)
        for n in range(min(numbers | {1}), min(top, limit) + 1):
            candidate = template.replace("{n}", str(n))
            if candidate != url and candidate not in out and urlsplit(candidate).netloc == here.netloc:
                out.append(candidate)
    return out


def _index(url: str) -> str:
    return url + "index.html" if url.endswith("/") else url


_NUM = re.compile(r"\d+")


def _page_template(base: str, other: str) -> tuple[str, int] | None:
    """`other` as `base` with one page number in a slot: (template with {n}, the number), else None."""
    if base == other or urlsplit(base).netloc != urlsplit(other).netloc:
        return None
    b, o = base.split("#")[0], other.split("#")[0]
    bt, ot = _NUM.split(b), _NUM.split(o)
    bn, on = _NUM.findall(b), _NUM.findall(o)
    if len(bt) == len(ot) and bt == ot and len(bn) == len(on):
        diff = [i for i, (x, y) in enumerate(zip(bn, on, strict=True)) if x != y]
        if len(diff) == 1 and len(on[diff[0]]) <= 4:
            i = diff[0]
            parts = [ot[0]]
            for j, num in enumerate(on):
                parts += ["{n}" if j == i else num, ot[j + 1]]
            return "".join(parts), int(on[i])
        return None
    # index.html → index_1.html / index-2.html; list → list?page=2; a directory → its index_N page
    m = re.fullmatch(re.escape(re.sub(r"(\.[a-z]+)$", "", b)) + r"([_-])(\d{1,4})(\.[a-z]+)", o)
    if m and b.endswith(m.group(3)):
        return re.sub(r"(\.[a-z]+)$", "", b) + m.group(1) + "{n}" + m.group(3), int(m.group(2))
    if o.startswith(b) and re.fullmatch(r"[?&][\w.]*?(?:page|pageno|pageindex|pn|p|pagenum|curpage|currentpage|start)=\d{1,4}",
                                       o[len(b):], re.I):
        n = re.search(r"(\d+)$", o)
        assert n is not None
        return o[: n.start()] + "{n}", int(n.group(1))
    return None
