"""What every imitation CMS family shares: requests and responses, a site's spec, its entries, the `Family` base.

A `Family` turns one site's `SiteSpec` (data: county, encoding, quirks) and its `Entry` list (reports and
decoys of the 年报 column) into responses: static pages in `files` (by path) and endpoints in `dynamic`.
One file per family beside this one; everything a site does differently from its family's defaults is a field of `SiteSpec`.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import random
import threading
from dataclasses import dataclass, replace
from typing import Any, ClassVar
from urllib.parse import quote

from ..render import to_html

CODECS = {"utf-8": "utf-8", "gbk": "gbk", "gb2312": "gbk", "gb18030": "gb18030"}
MIME = {"pdf": "application/pdf", "doc": "application/msword", "jpg": "image/jpeg",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
# scanned forms (tests/web/scans.py) and the extension of the file each publishes; "imgpage" publishes no file:
# its article page is a column of page images
SCAN_EXT = {"scan": "pdf", "mixed": "pdf", "longimg": "jpg", "imgpage": ""}


def ext_of(form: str) -> str:
    """The extension of the file a report in `form` is published as ("" for a page of images)."""
    return SCAN_EXT.get(form, form)
NOT_FOUND = (b"<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1>"
            b"<p>The requested URL was not found on this server.</p></body></html>")
ERROR_500 = (b"<html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1>"
             b"<p>The server encountered an internal error.</p></body></html>")
WAF_412 = """<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<meta http-equiv="Pragma" content="no-cache"><meta http-equiv="Expires" content="0">
<script type="text/javascript">$_ts=window['$_ts'];if(!$_ts)$_ts=window['$_ts']={};$_ts.nsd=48923;\
$_ts.cd="qTqDrrAlqGqFcqqmr0qDqqEkqGqQqqGqr0qEcqAlxGqtWcgqr1qtcaEqqqWlqGqZqGqkcGqEqqqtcpqAJaqDqGqcrqqhHqAyrGqhq1";\
$_ts.lcd=[8,22,31,46,55];</script>
<script type="text/javascript" charset="utf-8" src="/4QbVtADbnLVIc/c.FxJzG50F.dfe1675.js" r="m"></script>
</head><body></body></html>
"""


def _png(w: int, h: int) -> bytes:
    """A plain grey PNG of w×h pixels: an icon."""
    import struct
    import zlib

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    rows = b"".join(b"\x00" + b"\x90" * w for _ in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


ICON = _png(48, 48)
DEAD_503 = (b"<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n"
            b"<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx</center>\r\n"
            b"</body>\r\n</html>\r\n")


@dataclass(frozen=True)
class Resp:
    """One response. `delay` adds seconds before it is sent; `referer` refuses it (403) without a same-site Referer."""

    status: int = 200
    body: bytes = b""
    ctype: str = "text/html; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0
    referer: bool = False


@dataclass
class Req:
    """One request as the families see it: `target` is the raw path with its query."""

    method: str
    target: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    form: dict[str, str]
    raw: bytes = b""  # the request body as sent


@dataclass(frozen=True)
class SiteSpec:
    """Everything that makes one imitation site differ from its family's defaults."""

    slug: str
    county: str
    family: str
    status: str = "ok"  # what a crawler should conclude: ok, blocked, dead, no_column, robots
    encoding: str = "utf-8"  # page encoding (utf-8, gbk, gb2312, gb18030)
    header_charset: bool = True  # the Content-Type header names the charset
    gov_organ: str = "{county}人民政府"  # how the government names itself in its reports' titles
    years: tuple[int, ...] = (2019, 2020, 2021, 2022, 2023, 2024)
    departments: tuple[str, ...] = ("教育局", "财政局")
    townships: tuple[str, ...] = ("城关镇",)
    forms: tuple[tuple[str, int], ...] = ()  # (form, how many reports) besides inline html
    decorated: int = 1  # reports listed with （图片版）
    page_size: int = 8
    cut: int = 0  # list titles longer than this are cut with …; 0 = never
    title_attr: str = "plain"  # plain, aspnet ("标题：… 发表时间：…"), none, mixed
    disposition: str = "rfc5987"  # attachment Content-Disposition filename: rfc5987, gbk, none
    octet_stream: bool = False  # attachments served as application/octet-stream
    gk_label: str = "政务公开"
    nb_label: str = "政府信息公开年报"
    robots: str | None = "User-agent: *\nDisallow: /admin/\nDisallow: /search/\n"  # None: no robots.txt
    soft404: bool = False  # unknown paths answer 200 with the homepage
    fail_once_page: int = 0  # this list page (1-based) answers 500 the first time only
    slow_article: float = 0.0  # the newest report's page takes this many seconds
    attachment_host: bool = False  # every other attachment lives on a separate host
    column: bool = True  # the site has a 年报 column
    variant: dict[str, Any] | None = None  # a random web's drawn layout (tests/web/variants/); None: the family's own


@dataclass
class Entry:
    """One item of the 年报 column: a report (with its schema object) or a decoy."""

    id: int
    title: str
    date: dt.date
    section: str  # gov, bm (departments), xz (townships), decoy
    report: dict[str, Any] | None = None
    form: str = "html"
    quirks: frozenset[str] = frozenset()
    decorated: bool = False
    doc: bytes = b""  # the attachment's bytes (pdf, doc, docx and scanned forms)
    scan: tuple[int, tuple[str, ...]] = (0, ())  # scanned forms: (dpi, degradations)
    pages: tuple[bytes, ...] = ()  # imgpage: the page images (JPEG), in page order

    @property
    def ext(self) -> str:
        return ext_of(self.form)

    @property
    def filename(self) -> str:
        return f"{self.title}.{self.ext}"


def json_resp(obj: Any) -> Resp:
    return Resp(body=json.dumps(obj, ensure_ascii=False).encode(), ctype="application/json;charset=UTF-8")


def esc(s: str) -> str:
    return html.escape(s, quote=True)


def chunks(items: list[Entry], size: int) -> list[list[Entry]]:
    return [items[i:i + size] for i in range(0, len(items), size)] or [[]]


def disposition(name: str, style: str) -> tuple[tuple[str, str], ...]:
    """A Content-Disposition header naming `name`: raw GBK bytes (sent as latin-1) or RFC 5987 UTF-8."""
    if style == "gbk":
        return (("Content-Disposition", 'attachment; filename="' + name.encode("gbk").decode("latin-1") + '"'),)
    if style == "rfc5987":
        return (("Content-Disposition", f"attachment; filename*=UTF-8''{quote(name)}"),)
    return ()


_PROSE = {
    "notice": ["各乡镇人民政府、街道办事处，县直各部门：", "根据《中华人民共和国政府信息公开条例》规定，现就做好{y}年政府信息公开工作"
               "年度报告编制和发布工作通知如下：各单位须于{n}年1月31日前完成年度报告编制并报送县政务公开办，"
               "县人民政府年度报告于3月31日前发布。", "联系电话：0377-6{r}。"],
    "fazhi": ["{y}年，全县深入学习贯彻习近平法治思想，法治政府建设取得新成效。全年审查规范性文件{r}件，"
              "办理行政复议案件{r2}件。", "一、主要举措和成效", "二、存在的不足和原因", "三、{n}年工作安排"],
    "yaodian": ["为深入贯彻落实党中央、国务院关于全面推进政务公开的决策部署，结合我县实际，制定{y}年政务公开工作要点。",
                "一、加强政策发布解读", "二、推进重点领域信息公开", "三、夯实政务公开基础"],
    "guide": ["为了更好地提供政府信息公开服务，根据《中华人民共和国政府信息公开条例》，编制本指南。",
              "一、主动公开", "二、依申请公开", "三、监督和救济", "受理机构办公时间：工作日上午8:30—12:00，下午14:30—18:00。"],
    "budget": ["根据预算法规定，现将本单位{y}年部门预算公开如下：一般公共预算收入{r}万元，支出{r2}万元。",
               "附表：收支总表、收入总表、支出总表、财政拨款收支总表。"],
    "tongji": ["{y}年，全县实现地区生产总值{r}亿元，比上年增长{p}%。", "一、综合", "二、农业", "三、工业和建筑业"],
    "news": ["{y}年{m}月{d}日，县委、县政府召开专题会议，安排部署近期重点工作。", "会议强调，要统筹推进各项工作落实。"],
}


class Family:
    """A CMS family: where the home, 政府信息公开 page, 年报 column, articles and attachments live, and their markup."""

    name: ClassVar[str] = ""
    id_range: ClassVar[tuple[int, int]] = (1000, 99999)
    wrapper: ClassVar[str] = '<div class="article-con">'  # the container of a report's body on its page
    server: ClassVar[str] = "nginx"
    validators: ClassVar[bool] = True  # answers carry ETag and Last-Modified and honour conditional GETs
    gk_path: str = "/zfxxgk/index.html"
    news_path: ClassVar[str] = "/xwzx/index.html"
    extra_paths: dict[str, str] = {
        "政府信息公开指南": "/zfxxgk/gkzn/index.html", "政府信息公开制度": "/zfxxgk/gkzd/index.html",
        "法定主动公开内容": "/zfxxgk/fdzdgknr/index.html", "依申请公开": "/zfxxgk/ysqgk/index.html"}

    def __init__(self, spec: SiteSpec, origin: str, entries: list[Entry], attach_origin: str | None = None) -> None:
        self.spec = spec
        self.origin = origin
        self.attach_origin = attach_origin
        self.entries = entries
        self.codec = CODECS[spec.encoding]
        self.ctype = f"text/html; charset={spec.encoding}" if spec.header_charset else "text/html"
        self.site = f"{spec.county}人民政府"
        self.rng = random.Random(f"layout:{spec.slug}")
        self.files: dict[str, Resp] = {}
        self.attach_files: dict[str, Resp] = {}
        self.page_urls: dict[int, str] = {}
        self.doc_urls: dict[int, str] = {}
        self.image_urls: dict[int, list[str]] = {}  # imgpage reports: their page images' URLs, in order
        self.fail_once: set[str] = set()
        self.attachments = 0
        self._failed: set[str] = set()
        self._lock = threading.Lock()

    # ---------------------------------------------------------------- serving
    def respond(self, req: Req) -> Resp:
        """The generic part every site shares: robots.txt, 500-once pages, Referer checks, soft or hard 404."""
        if req.path == "/robots.txt" and self.spec.robots is not None:
            return Resp(body=self.spec.robots.encode(), ctype="text/plain")
        if req.target in self.fail_once:
            with self._lock:
                first = req.target not in self._failed
                self._failed.add(req.target)
            if first:
                return Resp(500, ERROR_500, "text/html; charset=iso-8859-1")
        resp = self.dynamic(req)
        if resp is None and req.method in ("GET", "HEAD"):
            resp = self.files.get(req.target) or self.files.get(req.path) or \
                (self.files.get(req.path + "index.html") if req.path.endswith("/") else None)
        if resp is None:
            resp = self.files["/"] if self.spec.soft404 else Resp(404, NOT_FOUND, "text/html; charset=iso-8859-1")
        if resp.referer and not req.headers.get("referer", "").startswith(self.origin + "/"):
            return Resp(403, b"<html><body><h1>403 Forbidden</h1></body></html>", "text/html; charset=iso-8859-1")
        return resp

    def respond_attach(self, req: Req) -> Resp:
        """The separate attachment host: its files or a plain 404."""
        return self.attach_files.get(req.path) or Resp(404, NOT_FOUND, "text/html; charset=iso-8859-1")

    def dynamic(self, req: Req) -> Resp | None:
        """Endpoints that depend on the request (AJAX lists, redirects); None when the path is not one."""
        return None

    # ---------------------------------------------------------------- building
    def build(self) -> None:
        home = self.page(self.site, self.home_main())
        self.files["/"] = self.files["/index.html"] = home
        self.files[self.gk_path] = self.page(self.spec.gk_label, self.gk_main(), self.gk_head())
        for label, path in self.extra_paths.items():
            self.files[path] = self.page(label, self.crumbs(label) + self.simple(label, "guide" if "指南" in label else ""))
        for label in ("办事服务", "互动交流"):
            self.files[self.nav_path(label)] = self.page(label, self.simple(label, ""))
        news = [(f"/xwzx/{i}.html", t) for i, t in enumerate(self.news_titles(), start=1)]
        self.files[self.news_path] = self.page("新闻中心", self.list_block("新闻中心", "".join(
            f'<li><a href="{p}">{esc(t)}</a></li>' for p, t in news)))
        for p, t in news:
            self.files[p] = self.page(t, self.simple(t, "news"))
        if self.spec.column:
            self.build_column()
        for e in self.entries:
            self.build_entry(e)
        newest = next((e for e in self.entries if e.report), None)
        if self.spec.slow_article and newest:
            path = self.article_path(newest)
            self.files[path] = replace(self.files[path], delay=self.spec.slow_article)
        if self.spec.fail_once_page:
            self.fail_once.add(self.list_target(self.spec.fail_once_page))

    def build_entry(self, e: Entry) -> None:
        path = self.article_path(e)
        self.page_urls[e.id] = self.origin + path
        if e.report is not None and e.form == "html":
            self.doc_urls[e.id] = self.origin + path
            self.files[path] = Resp(body=self.report_page(e), ctype=self.ctype)
            return
        if e.report is None:
            self.files[path] = self.article(e, self.prose(e))
            return
        if e.form == "imgpage":
            self.doc_urls[e.id] = self.origin + path
            self.files[path] = self.article(e, self.image_pages(e))
            return
        apath = self.attachment_path(e)
        self.attachments += 1
        if self.attach_origin and self.attachments % 2:  # every other attachment on the attachment host
            self.attach_files[apath] = self.attachment_resp(e)
            href = self.doc_urls[e.id] = self.attach_origin + apath
        else:
            self.files[apath] = self.attachment_resp(e)
            self.doc_urls[e.id] = self.origin + apath
            href = self.attachment_href(e, apath)
        self.files[path] = self.article(e, f"<p>{esc(e.title)}全文见附件。</p>\n" + self.attachment_block(e, href))

    def build_column(self) -> None:
        """The 年报 column: list pages linking every entry."""
        raise NotImplementedError

    def list_target(self, page: int) -> str:
        """The request target (path and query) of list page `page` (1-based), for the 500-once quirk."""
        raise NotImplementedError

    # ---------------------------------------------------------------- URLs (family hooks)
    @property
    def column_url(self) -> str:
        raise NotImplementedError

    def article_path(self, e: Entry) -> str:
        return f"/html/{e.date.year}/{e.date:%m%d}/{e.id}.html"

    def attachment_path(self, e: Entry) -> str:
        return f"/uploadfiles/{e.date:%Y%m}/{e.id}.{e.ext}"

    def attachment_href(self, e: Entry, apath: str) -> str:
        return apath

    def attachment_block(self, e: Entry, href: str) -> str:
        return f'<p>附件：<a href="{esc(href)}" target="_blank">{esc(e.filename)}</a></p>'

    def nav_path(self, label: str) -> str:
        return {"办事服务": "/bsfw/index.html", "互动交流": "/hdjl/index.html"}[label]

    # ---------------------------------------------------------------- markup
    def encode(self, text: str) -> bytes:
        return text.encode(self.codec, errors="xmlcharrefreplace")

    def page(self, title: str, main: str, head: str = "") -> Resp:
        return Resp(200, self.encode(self.page_text(title, main, head)), self.ctype,
                    (("Server", self.server),))

    def page_text(self, title: str, main: str, head: str = "") -> str:
        s = self.spec
        meta = f'<meta http-equiv="Content-Type" content="text/html; charset={s.encoding}">'
        nav = "".join(f'<li><a href="{esc(h)}">{t}</a></li>' for t, h in self.nav())
        full = esc(title) if title == self.site else f"{esc(title)}_{self.site}"
        return (f"<!DOCTYPE html>\n<html>\n<head>\n{meta}\n<title>{full}</title>\n{head}</head>\n<body>\n"
                f'<div class="header"><div class="logo"><a href="/">{self.site}</a></div>\n<ul class="nav">{nav}</ul></div>\n'
                f'<div class="main">\n{main}\n</div>\n{self.footer()}</body>\n</html>\n')

    def nav(self) -> list[tuple[str, str]]:
        return [("首页", "/"), (self.spec.gk_label, self.gk_path), ("新闻中心", self.news_path),
                ("办事服务", self.nav_path("办事服务")), ("互动交流", self.nav_path("互动交流"))]

    def footer(self) -> str:
        r = random.Random(self.spec.slug)
        return (f'<div class="footer"><p><a href="http://www.gov.cn/" target="_blank">中国政府网</a> '
                f'<a href="https://www.{self.spec.slug}.gov.cn/" target="_blank">{self.site}门户网站</a></p>'
                f"<p>主办：{self.site}办公室 联系电话：0{r.randint(310, 998)}-{r.randint(6000000, 8999999)}</p>"
                f"<p>网站标识码：{r.randint(10**9, 10**10)} ICP备{r.randint(10**7, 10**8)}号</p></div>\n")

    def crumbs(self, here: str) -> str:
        return (f'<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="{esc(self.gk_path)}">'
                f"{self.spec.gk_label}</a> &gt; {esc(here)}</div>\n")

    def news_titles(self) -> list[str]:
        c = self.spec.county
        return [f"{c}召开政务公开工作推进会", f"{c}开展“法律进乡村”宣传活动", f"{c}举行重点项目集中开工仪式",
                f"{c}部署安全生产大检查工作"]

    def home_main(self) -> str:
        news = "".join(f'<li><a href="/xwzx/{i}.html">{esc(t)}</a></li>' for i, t in enumerate(self.news_titles(), 1))
        return (f'<div class="banner">{self.site}欢迎您</div>\n<div class="news"><h2>要闻动态</h2><ul>{news}</ul>'
                f'<a class="more" href="{self.news_path}">更多&gt;&gt;</a></div>\n'
                f'<div class="gk"><h2><a href="{esc(self.gk_path)}">{self.spec.gk_label}</a></h2></div>\n')

    def gk_links(self) -> list[tuple[str, str]]:
        links = list(self.extra_paths.items())
        if self.spec.column:
            links.append((self.spec.nb_label, self.column_url))
        return links

    def gk_head(self) -> str:
        return ""

    def gk_main(self) -> str:
        items = "".join(f'<li><a href="{esc(h)}">{t}</a></li>' for t, h in self.gk_links())
        return (f'<div class="position">当前位置：<a href="/">首页</a> &gt; {self.spec.gk_label}</div>\n'
                f'<div class="gk-menu"><h2>政府信息公开</h2><ul>{items}</ul></div>\n')

    def simple(self, title: str, kind: str) -> str:
        paras = "".join(f"<p>{esc(p)}</p>" for p in self.paragraphs(kind, 2024))
        return f'<div class="article"><h1>{esc(title)}</h1>\n{paras}</div>\n'

    def paragraphs(self, kind: str, y: int) -> list[str]:
        r = random.Random(f"{self.spec.slug}:{kind}:{y}")
        vals = {"y": y, "n": y + 1, "r": r.randint(10, 900), "r2": r.randint(1, 90), "p": r.randint(1, 9),
                "m": r.randint(1, 12), "d": r.randint(1, 28)}
        return [p.format(**vals) for p in _PROSE.get(kind, ["暂无内容。"])]

    def prose(self, e: Entry) -> str:
        kind = next((k for k, marks in (("notice", "通知"), ("fazhi", "法治"), ("yaodian", "要点"), ("guide", "指南"),
                                        ("budget", "预算"), ("tongji", "统计")) if marks in e.title), "news")
        return "".join(f'<p style="text-indent:2em;">{esc(p)}</p>\n' for p in self.paragraphs(kind, e.date.year - 1))

    def list_block(self, heading: str, items: str, after: str = "") -> str:
        return (self.crumbs(heading) + f'<div class="list"><h2>{esc(heading)}</h2>\n<ul>\n{items}\n</ul>\n{after}</div>\n')

    def li(self, e: Entry, href: str, i: int = 0) -> str:
        """A list row: the title maybe decorated, cut with …, with or without a title attribute."""
        style, cut = self.spec.title_attr, self.spec.cut
        title = e.title + ("（图片版）" if e.decorated else "")
        shown = title[:cut] + "…" if cut and len(title) > cut else title
        attr = {"plain": f' title="{esc(title)}"', "aspnet": f' title="标题：{esc(title)}&#10;发表时间：{e.date}"'}.get(
            "plain" if style == "mixed" and i % 2 == 0 else style, "")
        return f'<li><a href="{esc(href)}"{attr} target="_blank">{esc(shown)}</a><span class="date">{e.date}</span></li>'

    def article(self, e: Entry, inner: str) -> Resp:
        source = e.report["organ"] if e.report else self.site
        head = (f'<meta name="ArticleTitle" content="{esc(e.title)}">\n'
                f'<meta name="PubDate" content="{e.date} 09:30">\n<meta name="ColumnName" content="{self.spec.nb_label}">\n')
        main = (self.crumbs(self.spec.nb_label) + f'<div class="article"><h1 class="title">{esc(e.title)}</h1>\n'
                f'<div class="info">发布日期：{e.date} 来源：{esc(source)}</div>\n{self.wrapper}\n{inner}\n</div></div>')
        return self.page(e.title, main, head)

    def report_page(self, e: Entry) -> bytes:
        """render.to_html with its chrome, the body container swapped for this family's."""
        assert e.report is not None
        page = to_html(e.report, self.spec.encoding, e.quirks, chrome=True)
        w = self.wrapper.encode()
        return page.replace(b'<div class="TRS_Editor">', w, 1).replace(b'<div id="zoom">', w, 1)

    def image_pages(self, e: Entry) -> str:
        """A report published as page images (图片版): each page an <img> of the article, served beside it (with
        the site's hotlink rule), among the page's small pictures (a share icon) that are not pages."""
        r = random.Random(f"{e.id}:images")
        size = r.choice(("", ' width="800"', ' style="width:100%"', ' width="100%"', ' border="0"'))
        out = [f"<p>{esc(e.title)}</p>"] if r.random() < 0.5 else []
        for n, body in enumerate(e.pages, start=1):
            ipath = self.image_path(e, n)
            self.files[ipath] = Resp(body=body, ctype="image/jpeg", referer=self.hotlink)
            self.image_urls.setdefault(e.id, []).append(self.origin + ipath)
            out.append(f'<p style="text-align:center"><img src="{esc(ipath)}"{size} alt=""></p>')
        self.files.setdefault("/images/fx.png", Resp(body=ICON, ctype="image/png"))
        out.append('<div class="share">分享到：<img src="/images/fx.png"></div>')
        return "\n".join(out)

    def image_path(self, e: Entry, n: int) -> str:
        return f"/uploadfiles/{e.date:%Y%m}/{e.id}{n:02d}.jpg"

    hotlink = False  # page images refused without a same-site Referer

    def attachment_resp(self, e: Entry) -> Resp:
        ctype = "application/octet-stream" if self.spec.octet_stream else MIME[e.ext]
        return Resp(body=e.doc, ctype=ctype, headers=disposition(e.filename, self.spec.disposition))
