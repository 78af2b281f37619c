"""URL schemes and markup of the imitation web's CMS families (served by crawler/imitation/web.py).

A `Family` turns one site's `SiteSpec` (data: county, encoding, quirks) and its `Entry` list (reports and
decoys of the 年报 column) into responses: static pages in `files` (by path) and endpoints in `dynamic`.
Everything a site does differently from its family's defaults is a field of `SiteSpec`.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import random
import re
import threading
from dataclasses import dataclass, replace
from typing import Any, ClassVar
from urllib.parse import quote, urlencode

from .render import to_html

CODECS = {"utf-8": "utf-8", "gbk": "gbk", "gb2312": "gbk", "gb18030": "gb18030"}
MIME = {"pdf": "application/pdf", "doc": "application/msword",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
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
    doc: bytes = b""  # the attachment's bytes (pdf, doc, docx forms)

    @property
    def filename(self) -> str:
        return f"{self.title}.{self.form}"


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
        return f"/uploadfiles/{e.date:%Y%m}/{e.id}.{e.form}"

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

    def attachment_resp(self, e: Entry) -> Resp:
        ctype = "application/octet-stream" if self.spec.octet_stream else MIME[e.form]
        return Resp(body=e.doc, ctype=ctype, headers=disposition(e.filename, self.spec.disposition))


class StaticFamily(Family):
    """Plain static lists `index.html`, `index_1.html`… with page links; sub-columns for departments and townships."""

    name = "static"
    root = "/zfxxgk/zfxxgknb/"
    sections: ClassVar[list[tuple[str, str, str]]] = [
        ("gov", "", "本级年报"), ("bm", "bm/", "部门年报"), ("xz", "xzjd/", "乡镇（街道）年报")]

    @property
    def column_url(self) -> str:
        return self.root

    def list_target(self, page: int) -> str:
        return self.root + ("index.html" if page == 1 else f"index_{page - 1}.html")

    def build_column(self) -> None:
        for sec, sub, label in self.sections:
            items = [e for e in self.entries if e.section == sec or (sec == "gov" and e.section == "decoy")]
            up = "../" * (self.root.count("/") - 1 + bool(sub))
            tabs = "".join(f'<a href="{("../" if sub else "./") + s}">{lab}</a> ' for _, s, lab in self.sections)
            pages = chunks(items, self.spec.page_size)
            for k, chunk in enumerate(pages):
                lis = "\n".join(self.li(e, up + self.article_path(e).lstrip("/"), i) for i, e in enumerate(chunk))
                pager = self.pager(k, len(pages))
                name = "index.html" if k == 0 else f"index_{k}.html"
                self.files[self.root + sub + name] = self.page(
                    label, self.list_block(self.spec.nb_label, lis, f'<div class="tabs">{tabs}</div>{pager}'))

    @staticmethod
    def pager(k: int, n: int) -> str:
        def name(i: int) -> str:
            return "index.html" if i == 0 else f"index_{i}.html"
        links = [f'<a href="{name(0)}">首页</a>']
        if k > 0:
            links.append(f'<a href="{name(k - 1)}">上一页</a>')
        links += [f'<a href="./{name(i)}">{i + 1}</a>' for i in range(n)]
        if k < n - 1:
            links.append(f'<a href="{name(k + 1)}">下一页</a>')
        links.append(f'<a href="{name(n - 1)}">尾页</a>')
        return f'<div class="page">{" ".join(links)} 共{n}页</div>'


_CREATE_PAGE_HTML = r"""function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){
  if(_nPageCount == null || _nPageCount<=1){ return; }
  var nCurrIndex = _nCurrIndex || 0;
  function page(i){ return i == 0 ? _sPageName+"."+_sPageExt : _sPageName+"_"+i+"."+_sPageExt; }
  if(nCurrIndex == 0){ document.write("首页&nbsp;上一页&nbsp;"); }
  else { document.write("<a href=\""+page(0)+"\">首页</a>&nbsp;<a href=\""+page(nCurrIndex-1)+"\">上一页</a>&nbsp;"); }
  if(nCurrIndex == _nPageCount-1){ document.write("下一页&nbsp;尾页"); }
  else { document.write("<a href=\""+page(nCurrIndex+1)+"\">下一页</a>&nbsp;<a href=\""+page(_nPageCount-1)+"\">尾页</a>"); }
}"""


class TrsFamily(StaticFamily):
    """TRS WCM: `./YYYYMM/tYYYYMMDD_ID.html`, pages only via createPageHTML, attachments needing a Referer."""

    name = "trs"
    id_range = (1_000_000, 9_999_999)
    wrapper = '<div class="TRS_Editor">'
    server = "Apache"

    def build_column(self) -> None:
        pages = chunks(self.entries, self.spec.page_size)
        for k, chunk in enumerate(pages):
            lis = "\n".join(self.li(e, "./" + self.article_path(e)[len(self.root):], i) for i, e in enumerate(chunk))
            script = (f'<div class="page"><script type="text/javascript">\nvar currentPage = {k};\n'
                      f"var countPage = {len(pages)};\n{_CREATE_PAGE_HTML}\n"
                      f'createPageHTML({len(pages)}, {k}, "index", "html");\n</script></div>\n')
            self.files[self.list_target(k + 1)] = self.page(self.spec.nb_label, self.list_block(self.spec.nb_label, lis, script))

    def article_path(self, e: Entry) -> str:
        return f"{self.root}{e.date:%Y%m}/t{e.date:%Y%m%d}_{e.id}.html"

    def attachment_path(self, e: Entry) -> str:
        return f"{self.root}{e.date:%Y%m}/{self._p0(e)}.{e.form}"

    def _p0(self, e: Entry) -> str:
        return f"P0{e.date:%Y%m%d}{random.Random(e.id).randint(10**11, 10**12 - 1)}"

    def attachment_href(self, e: Entry, apath: str) -> str:
        return "./" + apath.rsplit("/", 1)[1]

    def attachment_block(self, e: Entry, href: str) -> str:
        oldsrc = f"/protect/P0{e.date:%Y%m}/{self._p0(e)}.{e.form}"
        return (f'<p style="text-indent:2em;">附件：<a appendix="true" href="{esc(href)}" OLDSRC="{oldsrc}">'
                f"{esc(e.filename)}</a></p>")

    def attachment_resp(self, e: Entry) -> Resp:
        return replace(super().attachment_resp(e), referer=True)


_JPAGE_JS = r"""var jpage = {
  records: function (xml) {
    var out = [], re = /<record><!\[CDATA\[([\s\S]*?)\]\]><\/record>/g, m;
    while ((m = re.exec(xml))) { out.push(m[1]); }
    return out;
  },
  init: function (o) {
    var box = document.getElementById(o.unitid);
    var local = jpage.records(box.querySelector('script[type="text/xml"]').textContent);
    var ul = document.createElement('ul'), pager = document.createElement('div');
    ul.className = 'jpage-list'; pager.className = 'jpage-pager';
    box.appendChild(ul); box.appendChild(pager);
    var pages = Math.max(1, Math.ceil(o.totalRecord / o.perPage));
    function draw(list) {
      ul.innerHTML = list.join('');
      pager.innerHTML = '';
      for (var i = 1; i <= pages; i++) {
        var a = document.createElement('a');
        a.href = 'javascript:void(0)'; a.textContent = i;
        a.onclick = (function (p) { return function () { show(p); }; })(i);
        pager.appendChild(a);
      }
    }
    function show(page) {
      var start = (page - 1) * o.perPage + 1, end = Math.min(page * o.perPage, o.totalRecord);
      if (end <= local.length) { draw(local.slice(start - 1, end)); return; }
      var body = Object.keys(o.param).map(function (k) {
        return encodeURIComponent(k) + '=' + encodeURIComponent(o.param[k]); }).join('&');
      var xhr = new XMLHttpRequest();
      xhr.open('POST', '/module/web/jpage/dataproxy.jsp?startrecord=' + start + '&endrecord=' + end + '&perpage=' + o.perPage);
      xhr.setRequestHeader('Content-Type', 'application/x-www-form-urlencoded');
      xhr.setRequestHeader('X-Requested-With', 'XMLHttpRequest');
      xhr.onload = function () { draw(jpage.records(xhr.responseText)); };
      xhr.send(body);
    }
    show(1);
  }
};
"""


class JcmsFamily(Family):
    """Hanweb JCMS: `/col/col{id}/index.html` with an in-page datastore, the rest via POST dataproxy.jsp."""

    name = "jcms"
    id_range = (1_000_000, 9_999_999)
    wrapper = '<div id="zoom">'
    server = "Apache-Coyote/1.1"
    perpage_cap = 300
    inline_pages = 2  # list pages whose records sit in the column page itself

    def __init__(self, spec: SiteSpec, origin: str, entries: list[Entry], attach_origin: str | None = None) -> None:
        super().__init__(spec, origin, entries, attach_origin)
        r = self.rng
        self.webid, self.gkcol = r.randint(10, 99), r.randint(10000, 90000)
        self.colid = self.gkcol + r.randint(10, 9999)  # clear of the sub-columns gkcol+1…
        self.unitid = str(r.randint(100000, 999999))
        self.gk_path = f"/col/col{self.gkcol}/index.html"
        self.extra_paths = {t: f"/col/col{self.gkcol + i}/index.html" for i, t in
                            enumerate(Family.extra_paths, start=1)}
        self.param = {"col": "1", "appid": "1", "webid": str(self.webid), "path": "/", "columnid": str(self.colid),
                      "sourceContentType": "1", "unitid": self.unitid, "webname": self.site, "permissiontype": "0"}

    @property
    def column_url(self) -> str:
        return f"/col/col{self.colid}/index.html"

    def list_target(self, page: int) -> str:
        return self.column_url

    def record(self, e: Entry) -> str:
        return f"<record><![CDATA[\n{self.li(e, self.article_path(e))}\n]]></record>"

    def build_column(self) -> None:
        n = self.spec.page_size * self.inline_pages
        recs = "\n".join(self.record(e) for e in self.entries[:n])
        nextgroup = f'/module/web/jpage/dataproxy.jsp?page=1&{urlencode(self.param)}'
        param = ",".join(f"{k}:{v if v.isdigit() else repr(v)}" for k, v in self.param.items())
        unit = (f'<div id="{self.unitid}"><script type="text/xml"><datastore>\n'
                f'<nextgroup><![CDATA[<a href="{esc(nextgroup)}"></a>]]></nextgroup>\n'
                f"<recordset>\n{recs}\n</recordset>\n</datastore></script>\n"
                f'<script language="javascript" src="/module/web/jpage/jpage.js"></script>\n'
                f"<script>var param_{self.unitid} = {{{param}}};\n"
                f"jpage.init({{unitid: '{self.unitid}', totalRecord: {len(self.entries)}, "
                f"perPage: {self.spec.page_size}, param: param_{self.unitid}}});</script></div>\n")
        self.files[self.column_url] = self.page(self.spec.nb_label, self.crumbs(self.spec.nb_label) + unit)
        self.files["/module/web/jpage/jpage.js"] = Resp(body=_JPAGE_JS.encode(), ctype="application/javascript")

    def dynamic(self, req: Req) -> Resp | None:
        if req.path in ("/module/web/jpage/dataproxy.jsp", "/module/jpage/dataproxy.jsp"):
            return self.dataproxy(req)
        if req.path == "/module/download/downfile.jsp":
            target = f"/attach/{req.query.get('classid', '0')}/{req.query.get('filename', '')}"
            if target in self.files:
                return Resp(302, b"", headers=(("Location", target),))
            return Resp(404, NOT_FOUND, "text/html; charset=iso-8859-1")
        return None

    def dataproxy(self, req: Req) -> Resp:
        if req.method != "POST":
            return Resp(405, b"<html><body>HTTP method GET is not supported by this URL</body></html>")
        if req.headers.get("x-requested-with") != "XMLHttpRequest":
            return Resp(403, b"<html><body>Forbidden</body></html>")
        if req.form.get("columnid") != str(self.colid) or req.form.get("unitid") != self.unitid:
            return self.datastore([], 0)
        try:
            per = int(req.query.get("perpage", self.spec.page_size))
            start = int(req.query.get("startrecord", 1))
            end = int(req.query.get("endrecord", start + per - 1))
        except ValueError:
            return Resp(400, b"bad request")
        end = min(end, start + self.perpage_cap - 1)
        return self.datastore(self.entries[max(start, 1) - 1:max(end, 0)], len(self.entries))

    def datastore(self, entries: list[Entry], total: int) -> Resp:
        recs = "".join(self.record(e) for e in entries)
        body = (f'<?xml version="1.0" encoding="UTF-8"?><datastore><totalrecord>{total}</totalrecord>'
                f"<recordset>{recs}</recordset></datastore>")
        return Resp(body=body.encode(), ctype="text/xml;charset=UTF-8")

    def article_path(self, e: Entry) -> str:
        d = e.date
        return f"/art/{d.year}/{d.month}/{d.day}/art_{self.colid}_{e.id}.html"

    def attachment_path(self, e: Entry) -> str:
        return f"/attach/0/{e.date:%y%m%d}{random.Random(e.id).randint(100000, 999999)}.{e.form}"

    def attachment_href(self, e: Entry, apath: str) -> str:
        return f"/module/download/downfile.jsp?classid=0&filename={apath.rsplit('/', 1)[1]}"


_UNITBUILD_JS = r"""(function () {
  var me = document.currentScript;
  var q = JSON.parse(me.getAttribute('queryData').replace(/'/g, '"'));
  var param = JSON.parse(me.getAttribute('paramJson') || '{"pageNo":1,"pageSize":"15"}');
  var box = document.createElement('div');
  box.className = 'jpaas-unit';
  me.parentNode.insertBefore(box, me);
  function load(pageNo) {
    param.pageNo = pageNo;
    var url = '/api-gateway/jpaas-publish-server/front/page/build/unit?parseType=bulidstatic&webId=' + q.webId +
      '&tplSetId=' + q.tplSetId + '&pageType=' + q.pageType + '&tagId=' + encodeURIComponent(q.tagId) +
      '&editType=null&pageId=' + q.pageId + '&paramJson=' + encodeURIComponent(JSON.stringify(param));
    fetch(url).then(function (r) { return r.json(); }).then(function (d) {
      box.innerHTML = d.data.html;
      box.querySelectorAll('a[data-page]').forEach(function (a) {
        a.onclick = function (ev) { ev.preventDefault(); load(+a.getAttribute('data-page')); };
      });
    });
  }
  load(param.pageNo || 1);
})();
"""


class JpaasFamily(Family):
    """Hanweb JPaaS: the column page's unitbuild.js fetches the list as JSON from the api-gateway."""

    name = "jpaas"
    id_range = (10_000_000, 99_999_999)
    wrapper = '<div id="zoom">'
    server = "JSP3/2.0.14"
    api = "/api-gateway/jpaas-publish-server/front/page/build/unit"

    def __init__(self, spec: SiteSpec, origin: str, entries: list[Entry], attach_origin: str | None = None) -> None:
        super().__init__(spec, origin, entries, attach_origin)
        r = self.rng
        self.web_id = f"{r.getrandbits(128):032x}"
        self.tpl = f"{r.getrandbits(128):032x}"
        gk = r.randint(1229000000, 1229900000)
        self.page_id = gk + r.randint(10, 99999)  # clear of the sub-columns gk+1…
        self.gk_path = f"/col/col{gk}/index.html"
        self.extra_paths = {t: f"/col/col{gk + i}/index.html" for i, t in
                            enumerate(Family.extra_paths, start=1)}

    @property
    def column_url(self) -> str:
        return f"/col/col{self.page_id}/index.html"

    def list_target(self, page: int) -> str:
        return self.column_url

    def build_column(self) -> None:
        q = (f"{{'webId':'{self.web_id}','pageId':'{self.page_id}','tplSetId':'{self.tpl}','pageType':'column',"
             f"'tagId':'当前栏目list','editType':'null'}}")
        unit = (f'<div class="xxgk-list"><script type="text/javascript" src="/module/jpaas/unitbuild.js" '
                f'queryData="{q}" paramJson=\'{{"pageNo":1,"pageSize":"{self.spec.page_size}"}}\'></script></div>\n')
        self.files[self.column_url] = self.page(self.spec.nb_label, self.crumbs(self.spec.nb_label) + unit)
        self.files["/module/jpaas/unitbuild.js"] = Resp(body=_UNITBUILD_JS.encode(), ctype="application/javascript")

    def dynamic(self, req: Req) -> Resp | None:
        if req.path != self.api:
            return None
        q = req.query
        if q.get("parseType") != "bulidstatic" or q.get("webId") != self.web_id or q.get("pageId") != str(self.page_id):
            return json_resp({"success": False, "message": "参数错误", "code": "500", "data": None})
        try:
            param = json.loads(q.get("paramJson") or "{}")
            page, size = int(param.get("pageNo", 1)), min(int(param.get("pageSize", 15)), 50)
        except (ValueError, TypeError, AttributeError):
            return json_resp({"success": False, "message": "paramJson格式错误", "code": "500", "data": None})
        pages = max(1, -(-len(self.entries) // size))
        chunk = self.entries[(page - 1) * size:page * size] if page >= 1 else []
        lis = "".join(self.li(e, self.article_path(e), i) for i, e in enumerate(chunk))
        pager = "".join(f'<a href="javascript:;" data-page="{i}">{i}</a>' for i in range(1, pages + 1))
        if page < pages:
            pager += f'<a href="javascript:;" data-page="{page + 1}">下一页</a>'
        html_text = (f'<ul class="list">{lis}</ul><div class="pagination">{pager}'
                     f"<span>共{len(self.entries)}条 {pages}页</span></div>")
        return json_resp({"success": True, "message": "", "code": "200", "data": {"html": html_text}})

    def article_path(self, e: Entry) -> str:
        d = e.date
        return f"/art/{d.year}/{d.month}/{d.day}/art_{self.page_id}_{e.id}.html"

    def attachment_path(self, e: Entry) -> str:
        return f"/attach/-1/{random.Random(e.id).getrandbits(64):016x}.{e.form}"


class GkmlptFamily(Family):
    """Guangdong gkmlpt: the list from `/gkmlpt/api/all/{catId}?page=N&sid=SID`, SID written in the page."""

    name = "gkmlpt"
    id_range = (2_000_000, 4_999_999)
    wrapper = '<div class="article-content">'
    gk_path = "/gkmlpt/index"
    extra_paths: dict[str, str] = {
        "政府信息公开指南": "/gkmlpt/guide", "政府信息公开制度": "/gkmlpt/policy",
        "法定主动公开内容": "/gkmlpt/fdzdgknr", "依申请公开": "/gkmlpt/ysqgk"}

    def __init__(self, spec: SiteSpec, origin: str, entries: list[Entry], attach_origin: str | None = None) -> None:
        super().__init__(spec, origin, entries, attach_origin)
        self.sid = str(self.rng.randint(700000, 799999))
        self.cat = self.rng.randint(2000, 9999)

    @property
    def column_url(self) -> str:
        return "/gkmlpt/annualreport"

    def list_target(self, page: int) -> str:
        return f"/gkmlpt/api/all/{self.cat}?page={page}&sid={self.sid}"

    def gk_head(self) -> str:
        return (f"<script>window._CONFIG = {{\n  SID: '{self.sid}',\n  SITE_NAME: '{self.site}',\n"
                f"  ANNUAL_REPORT_CATEGORY: {self.cat},\n  API_BASE: '/gkmlpt/api'\n}};</script>\n")

    def build_column(self) -> None:
        script = ("<div id=\"list\"></div><div id=\"pager\"></div>\n<script>\n(function () {\n"
                  "  var c = window._CONFIG;\n  function load(page) {\n"
                  "    fetch(c.API_BASE + '/all/' + c.ANNUAL_REPORT_CATEGORY + '?page=' + page + '&sid=' + c.SID)\n"
                  "      .then(function (r) { return r.json(); }).then(function (d) {\n"
                  "        document.getElementById('list').innerHTML = '<ul>' + d.articles.map(function (a) {\n"
                  "          return '<li><a href=\"' + a.url + '\">' + a.title + '</a></li>'; }).join('') + '</ul>';\n"
                  "        var n = Math.ceil(d.total / d.page_size), p = document.getElementById('pager'); p.innerHTML = '';\n"
                  "        for (var i = 1; i <= n; i++) { var a = document.createElement('a'); a.href = '#page=' + i;\n"
                  "          a.textContent = i; a.onclick = (function (k) { return function () { load(k); }; })(i);\n"
                  "          p.appendChild(a); }\n      });\n  }\n  load(1);\n})();\n</script>\n")
        self.files[self.column_url] = self.page(self.spec.nb_label, self.crumbs(self.spec.nb_label) + script, self.gk_head())

    def dynamic(self, req: Req) -> Resp | None:
        m = re.fullmatch(r"/gkmlpt/api/all/(\d+)", req.path)
        if not m:
            return None
        if req.query.get("sid") != self.sid:
            return Resp(403, b'{"error":"invalid sid"}', "application/json;charset=UTF-8")
        items = self.entries if m[1] == str(self.cat) else []
        try:
            page = max(1, int(req.query.get("page", 1)))
        except ValueError:
            page = 1
        size = self.spec.page_size
        arts = [{"id": e.id, "title": e.title, "url": self.origin + self.article_path(e),
                 "date": int(dt.datetime(e.date.year, e.date.month, e.date.day, 9, 30).timestamp()),
                 "publisher": e.report["organ"] if e.report else self.site,
                 "identifier": f"11441{self.sid}/{e.date.year}-{e.id % 100000:05d}"}
                for e in items[(page - 1) * size:page * size]]
        return json_resp({"total": len(items), "page": page, "page_size": size, "articles": arts})

    def article_path(self, e: Entry) -> str:
        return f"/gkmlpt/content/{e.id // 1_000_000}/{e.id // 1000}/post_{e.id}.html"

    def attachment_path(self, e: Entry) -> str:
        return f"/attachment/0/{e.id // 1000}/{e.id}/{random.Random(e.id).randint(10**6, 10**7)}.{e.form}"


class LonsunFamily(Family):
    """Anhui Lonsun: `/public/column/{organId}?type=4&catId=…&action=list`, list by AJAX `/site/label/8888`."""

    name = "lonsun"
    id_range = (1000, 9999)
    wrapper = '<div class="j-fontContent">'
    server = "Lonsun"

    def __init__(self, spec: SiteSpec, origin: str, entries: list[Entry], attach_origin: str | None = None) -> None:
        super().__init__(spec, origin, entries, attach_origin)
        r = self.rng
        self.organ_id, self.site_id, self.cat = r.randint(6000000, 6999999), r.randint(10000, 99999), r.randint(100, 999)
        self.col_path = f"/public/column/{self.organ_id}"
        self.gk_path = f"{self.col_path}?type=4&action=index"
        self.extra_paths = {t: f"{self.col_path}?type=4&catId={self.cat + i}&action=list"
                            for i, t in enumerate(Family.extra_paths, start=1)}

    @property
    def column_url(self) -> str:
        return f"{self.col_path}?type=4&catId={self.cat}&action=list"

    def list_target(self, page: int) -> str:
        return self.column_url

    def build_column(self) -> None:
        file = f"/c1/{self.spec.slug}/publicInfoList"
        script = (f'<div id="public_info_list"></div><div id="page_public_info"></div>\n<script>\n'
                  f"function loadList(pageIndex) {{\n"
                  f"  var url = '/site/label/8888?IsAjax=1&dataType=html&_=' + Date.now() + '&labelName=publicInfoList"
                  f"&siteId={self.site_id}&pageSize={self.spec.page_size}&pageIndex=' + pageIndex + '&action=list&isDate=true"
                  f"&dateFormat=yyyy-MM-dd&length=50&organId={self.organ_id}&type=4&catId={self.cat}&cId=&result='"
                  f" + encodeURIComponent('暂无相关信息') + '&file=' + encodeURIComponent('{file}');\n"
                  "  fetch(url).then(function (r) { return r.text(); }).then(function (h) {\n"
                  "    document.getElementById('public_info_list').innerHTML = h;\n"
                  "    var n = +(document.querySelector('[data-pagecount]') || {getAttribute: function () { return 1; }})"
                  ".getAttribute('data-pagecount');\n"
                  "    var p = document.getElementById('page_public_info'); p.innerHTML = '';\n"
                  "    for (var i = 1; i <= n; i++) { var a = document.createElement('a'); a.href = 'javascript:;';\n"
                  "      a.textContent = i; a.onclick = (function (k) { return function () { loadList(k); }; })(i);\n"
                  "      p.appendChild(a); }\n  });\n}\nloadList(1);\n</script>\n")
        self.files[self.column_url] = self.page(self.spec.nb_label, self.crumbs(self.spec.nb_label) + script)

    def dynamic(self, req: Req) -> Resp | None:
        if req.path == self.col_path:  # the same page whatever the order of the query's fields
            cat = req.query.get("catId")
            return self.files.get(f"{self.col_path}?type=4&catId={cat}&action=list" if cat else self.gk_path)
        if req.path != "/site/label/8888":
            return None
        q = req.query
        if q.get("labelName") != "publicInfoList" or q.get("organId") != str(self.organ_id):
            return Resp(body="<p>标签不存在</p>".encode())
        items = self.entries if q.get("catId") == str(self.cat) else []
        try:
            size, page = min(int(q.get("pageSize", 15)), 50), max(1, int(q.get("pageIndex", 1)))
        except ValueError:
            size, page = 15, 1
        pages = max(1, -(-len(items) // size))
        chunk = items[(page - 1) * size:page * size]
        lis = "".join(self.li(e, self.article_path(e), i) for i, e in enumerate(chunk)) or \
            f"<li>{esc(q.get('result', '暂无相关信息'))}</li>"
        body = (f'<ul class="clearfix xxgk_nav_list">{lis}</ul>\n<div class="pagination" data-pagecount="{pages}"></div>\n'
                f'<script>Ls.pagination("#page_public_info", function (pageIndex) {{ loadList(pageIndex); }}, '
                f"{{currPage: {page}, pageCount: {pages}, pageSize: {size}}});</script>")
        return Resp(body=body.encode(), ctype="text/html;charset=UTF-8")

    def article_path(self, e: Entry) -> str:
        if e.report is not None:
            return f"/XxgkAnnualReport/show/{e.id}.html"
        return f"/public/{self.organ_id}/{e.id}.html"

    def attachment_path(self, e: Entry) -> str:
        return f"/public/resources/upload/{e.date:%Y%m}/{e.id}{random.Random(e.id).randint(100, 999)}.{e.form}"


class AspnetFamily(Family):
    """The Qingyang ASP.NET sites (宁县): `/zwgk/fdzdgknr/…/content_NNNNN`, `?page=N`, search at `/s`."""

    validators = False  # dynamic .aspx pages: no ETag, no Last-Modified

    name = "aspnet"
    id_range = (10000, 99999)
    wrapper = '<div id="content" class="article-content">'
    server = "Microsoft-IIS/8.5"
    gk_path = "/zwgk"
    news_path = "/xwzx"
    extra_paths: dict[str, str] = {
        "政府信息公开指南": "/zwgk/gkzn", "政府信息公开制度": "/zwgk/gkzd", "法定主动公开内容": "/zwgk/fdzdgknr",
        "依申请公开": "/zwgk/ysqgk"}
    col = "/zwgk/fdzdgknr/zfxxgknb"

    @property
    def column_url(self) -> str:
        return self.col

    def list_target(self, page: int) -> str:
        return self.col if page == 1 else f"{self.col}?page={page}"

    def nav_path(self, label: str) -> str:
        return {"办事服务": "/bsfw", "互动交流": "/hdjl"}[label]

    def build_column(self) -> None:
        pages = chunks(self.entries, self.spec.page_size)
        for k, chunk in enumerate(pages, start=1):
            lis = "\n".join(self.li(e, self.article_path(e), i) for i, e in enumerate(chunk))
            self.files[self.list_target(k)] = self.page(self.spec.nb_label, self.list_block(
                self.spec.nb_label, lis, self.pager(k, len(pages), "?page={}")))

    @staticmethod
    def pager(k: int, n: int, href: str) -> str:
        links = [f'<a href="{href.format(i)}">{i}</a>' if i != k else f"<span>{i}</span>" for i in range(1, n + 1)]
        if k < n:
            links.append(f'<a href="{href.format(k + 1)}">下一页</a>')
        return f'<div class="pages">共{n}页 {" ".join(links)}</div>'

    def dynamic(self, req: Req) -> Resp | None:
        if req.path == "/s":
            wd = req.query.get("wd", "")
            hits = [e for e in self.entries if wd and wd in e.title]
            try:
                p = max(1, int(req.query.get("p", 1)))
            except ValueError:
                p = 1
            lis = "\n".join(self.li(e, self.article_path(e), i) for i, e in enumerate(hits[(p - 1) * 10:p * 10]))
            n = max(1, -(-len(hits) // 10))
            return self.page("搜索结果", self.list_block(f"搜索“{wd}”的结果", lis, self.pager(
                p, n, f"/s?sid=0&wd={quote(wd)}&p={{}}")))
        return None

    def article_path(self, e: Entry) -> str:
        return f"{self.col}/content_{e.id}"

    def attachment_path(self, e: Entry) -> str:
        return f"/upload/{e.date:%Y/%m/%d}/{e.id}{random.Random(e.id).randint(10**5, 10**6)}.{e.form}"


class HenanFamily(Family):
    """Henan county sites (社旗): articles `/YYYY/MM-DD/{id}.html`, `div#zoom`, `/ifile/…` attachments, `index_N.html`."""

    name = "henan"
    id_range = (1_000_000, 9_999_999)
    wrapper = '<div id="zoom">'
    gk_path = "/zwgk/index.html"
    root = "/zwgk/zfxxgknb/"

    @property
    def column_url(self) -> str:
        return self.root + "index.html"

    def list_target(self, page: int) -> str:
        return self.root + ("index.html" if page == 1 else f"index_{page}.html")

    def build_column(self) -> None:
        pages = chunks(self.entries, self.spec.page_size)
        for k, chunk in enumerate(pages, start=1):
            lis = "\n".join(self.li(e, self.article_path(e), i) for i, e in enumerate(chunk))
            name = "index.html" if k == 1 else f"index_{k}.html"
            links = [f'<a href="{"index.html" if i == 1 else f"index_{i}.html"}">{i}</a>' for i in range(1, len(pages) + 1)]
            if k < len(pages):
                links.append(f'<a href="index_{k + 1}.html">下一页</a>')
            self.files[self.root + name] = self.page(self.spec.nb_label, self.list_block(
                self.spec.nb_label, lis, f'<div class="page">{" ".join(links)}</div>'))

    def article_path(self, e: Entry) -> str:
        return f"/{e.date.year}/{e.date:%m-%d}/{e.id}.html"

    def attachment_path(self, e: Entry) -> str:
        r = random.Random(e.id)
        ms = int(dt.datetime(e.date.year, e.date.month, e.date.day, r.randint(8, 18)).timestamp() * 1000)
        ms += r.randint(0, 3_599_999)
        return f"/ifile/{e.date:%Y%m%d}/{ms}{r.randint(1000, 9999)}.{e.form}"


_VIEWER_SWAP = """<script>
document.querySelectorAll('img[data-uitype="pdf"]').forEach(function (img) {
  var f = document.createElement('iframe');
  f.src = '/pdfjs/web/viewer.html?file=' + encodeURIComponent(img.getAttribute('data-powerurl'));
  f.width = '100%'; f.height = '900'; f.frameBorder = '0';
  img.parentNode.replaceChild(f, img);
});
</script>
"""


class ViewerFamily(Family):
    """Reports as PDFs behind an embedded viewer: `<img data-uitype="pdf" data-powerurl=…>` swapped by a script."""

    name = "pdfviewer"
    id_range = (100000, 999999)
    wrapper = '<div class="content">'
    gk_path = "/xxgk/index.html"
    root = "/xxgk/xxgknb/"

    @property
    def column_url(self) -> str:
        return self.root + "list_1.html"

    def list_target(self, page: int) -> str:
        return f"{self.root}list_{page}.html"

    def build(self) -> None:
        super().build()
        self.files["/pdfjs/web/viewer.html"] = Resp(body=(
            b"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>PDF.js viewer</title></head><body>"
            b"<div id=\"viewerContainer\"></div><script>var f = new URLSearchParams(location.search).get('file');"
            b"document.getElementById('viewerContainer').innerHTML = '<embed src=\"' + f + '\" width=\"100%\" "
            b"height=\"900\" type=\"application/pdf\">';</script></body></html>"))

    def build_column(self) -> None:
        pages = chunks(self.entries, self.spec.page_size)
        for k, chunk in enumerate(pages, start=1):
            lis = "\n".join(self.li(e, f"./{e.id}.html", i) for i, e in enumerate(chunk))
            nav = [f'<a href="list_{k - 1}.html">上一页</a>'] if k > 1 else []
            nav += [f'<a href="list_{k + 1}.html">下一页</a>'] if k < len(pages) else []
            self.files[self.list_target(k)] = self.page(self.spec.nb_label, self.list_block(
                self.spec.nb_label, lis, f'<div class="page">第{k}/{len(pages)}页 {" ".join(nav)}</div>'))

    def article_path(self, e: Entry) -> str:
        return f"{self.root}{e.id}.html"

    def attachment_path(self, e: Entry) -> str:
        return f"/Upload/{e.date:%Y/%m}/{random.Random(e.id).getrandbits(128):032x}.{e.form}"

    def attachment_block(self, e: Entry, href: str) -> str:
        if e.form != "pdf":
            return super().attachment_block(e, href)
        return (f'<p><img data-uitype="pdf" data-powerurl="{esc(href)}" src="/Content/images/pdf.png" alt="{esc(e.title)}"></p>\n'
                + _VIEWER_SWAP)


_SPA_SHELL = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{title}</title><link rel="stylesheet" href="/static/css/app.css"></head>
<body><noscript>请开启浏览器的JavaScript功能后访问本网站。</noscript><div id="app"></div>
<script src="/static/js/app.js"></script></body></html>
"""

_SPA_JS = r"""(function () {
  var app = document.getElementById('app');
  function get(u) { return fetch(u, {headers: {'Accept': 'application/json'}}).then(function (r) { return r.json(); }); }
  function esc(s) { var d = document.createElement('div'); d.textContent = s; return d.innerHTML; }
  var site = null;
  function frame(inner) {
    var nav = site.nav.map(function (n) { return '<li><a href="#' + n.route + '">' + esc(n.title) + '</a></li>'; }).join('');
    app.innerHTML = '<div class="header"><div class="logo">' + esc(site.name) + '</div><ul class="nav">' + nav +
      '</ul></div><div class="main">' + inner + '</div>';
  }
  function route() {
    var h = location.hash.replace(/^#/, '') || '/', m;
    if (h === '/') {
      frame('<div class="news"><h2>要闻动态</h2><ul>' + site.news.map(function (t) {
        return '<li>' + esc(t) + '</li>'; }).join('') + '</ul></div>');
    } else if (h === '/zwgk') {
      get('/api/channels').then(function (cs) {
        frame('<div class="gk-menu"><h2>政府信息公开</h2><ul>' + cs.map(function (c) {
          return '<li><a href="#/channel/' + c.code + '">' + esc(c.name) + '</a></li>'; }).join('') + '</ul></div>');
      });
    } else if ((m = h.match(/^\/channel\/(\w+)(?:\?page=(\d+))?$/))) {
      var page = +(m[2] || 1);
      get('/api/channel/' + m[1] + '?page=' + page).then(function (d) {
        var items = d.items.map(function (it) {
          return '<li><a href="#/article/' + it.id + '">' + esc(it.title) + '</a><span>' + it.date + '</span></li>'; });
        var pager = '';
        for (var i = 1; i <= d.pages; i++) { pager += '<a href="#/channel/' + m[1] + '?page=' + i + '">' + i + '</a> '; }
        frame('<div class="list"><h2>' + esc(d.name) + '</h2><ul>' + (items.join('') || '<li>暂无信息</li>') +
              '</ul><div class="page">' + pager + '</div></div>');
      });
    } else if ((m = h.match(/^\/article\/(\d+)$/))) {
      get('/api/article/' + m[1]).then(function (a) {
        document.title = a.title;
        frame('<div class="detail">' + a.html + '</div>');
      });
    } else {
      frame('<p>页面不存在</p>');
    }
  }
  get('/api/site').then(function (s) { site = s; window.addEventListener('hashchange', route); route(); });
})();
"""


class SpaFamily(Family):
    """A JavaScript-only site: every path answers the same shell; nav, lists and articles come by fetch()."""

    name = "spa"
    id_range = (10000, 99999)
    channels: ClassVar[list[tuple[str, str]]] = [
        ("gkzn", "政府信息公开指南"), ("gkzd", "政府信息公开制度"), ("fdzdgknr", "法定主动公开内容"), ("ysqgk", "依申请公开")]

    @property
    def column_url(self) -> str:
        return "/#/channel/xxgknb"

    def list_target(self, page: int) -> str:
        return f"/api/channel/xxgknb?page={page}"

    def build(self) -> None:
        shell = _SPA_SHELL.format(title=self.site).encode()
        self.files["/"] = Resp(body=shell)
        self.files["/static/js/app.js"] = Resp(body=_SPA_JS.encode(), ctype="application/javascript")
        self.files["/static/css/app.css"] = Resp(body=b".nav li{display:inline;margin:0 1em}", ctype="text/css")
        chans = [*self.channels, *([("xxgknb", self.spec.nb_label)] if self.spec.column else [])]
        self.files["/api/site"] = json_resp({
            "name": self.site, "news": self.news_titles(),
            "nav": [{"title": "首页", "route": "/"}, {"title": self.spec.gk_label, "route": "/zwgk"}]})
        self.files["/api/channels"] = json_resp([{"code": c, "name": n} for c, n in chans])
        self.names = dict(chans)
        for e in self.entries:
            self.page_urls[e.id] = self.doc_urls[e.id] = f"{self.origin}/#/article/{e.id}"
            body = (self.fragment(e) if e.report is not None else
                    f'<div class="article"><h1>{esc(e.title)}</h1>{self.prose(e)}</div>')
            self.files[f"/api/article/{e.id}"] = json_resp({
                "id": e.id, "title": e.title, "date": str(e.date), "html": body})

    @staticmethod
    def fragment(e: Entry) -> str:
        assert e.report is not None
        page = to_html(e.report, "utf-8", e.quirks, chrome=False).decode()
        return page[page.index("<body>") + 6:page.rindex("</body>")].strip()

    def dynamic(self, req: Req) -> Resp | None:
        m = re.fullmatch(r"/api/channel/(\w+)", req.path)
        if m and m[1] in self.names:
            items = self.entries if m[1] == "xxgknb" else []
            try:
                page = max(1, int(req.query.get("page", 1)))
            except ValueError:
                page = 1
            size = self.spec.page_size
            return json_resp({
                "name": self.names[m[1]], "total": len(items), "page": page, "pages": max(1, -(-len(items) // size)),
                "items": [{"id": e.id, "title": e.title, "date": str(e.date)}
                          for e in items[(page - 1) * size:page * size]]})
        if req.path.startswith(("/api/", "/static/")) or req.method not in ("GET", "HEAD"):
            return None
        return self.files["/"]


class WafFamily(Family):
    """A site behind a WAF: every path answers 412 with an inline `$_ts` challenge script."""

    name = "waf"

    def build(self) -> None:
        self.files["/"] = Resp(412, WAF_412.encode(), "text/html; charset=utf-8", (
            ("Set-Cookie", f"FSSBBIl1UgzbN7N80S={self.rng.getrandbits(160):040x}; Path=/; HttpOnly"),
            ("Server", "******")))

    def respond(self, req: Req) -> Resp:
        return self.files["/"]


class DownFamily(Family):
    """A dead site: every path answers 503 forever."""

    name = "down"

    def build(self) -> None:
        pass

    def respond(self, req: Req) -> Resp:
        return Resp(503, DEAD_503, "text/html", (("Server", "nginx"), ("Retry-After", "120")))


FAMILIES: dict[str, type[Family]] = {f.name: f for f in (
    StaticFamily, TrsFamily, JcmsFamily, JpaasFamily, GkmlptFamily, LonsunFamily, AspnetFamily, HenanFamily,
    ViewerFamily, SpaFamily, WafFamily, DownFamily)}
