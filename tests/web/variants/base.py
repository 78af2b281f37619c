"""What every variant site shares: the drawn `dict` (vocabularies of real link texts, menu depths, sub-columns,
list rows, link styles, charsets, chrome) and `VariantFamily`, which turns it into pages.

A variant family is a `Family` whose every choice is read from `spec.variant` (drawn by `draw_common` and its
module's `draw`), so one class per CMS family covers all its variants. Pages that are costly to make (report
pages, DOCX attachments, news articles) are made on first request (`lazy`), so a few hundred sites build fast.
"""

from __future__ import annotations

import posixpath
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..families.base import NOT_FOUND, Entry, Family, Req, Resp, chunks, esc
from ..render import to_docx

GK_TEXTS = ("政府信息公开", "政务公开", "信息公开", "政府信息公开专栏", "公开目录", "政府信息公开平台", "政务信息公开",
            "信息公开目录", "政府信息公开目录")
NB_TEXTS = ("政府信息公开年报", "政府信息公开工作年度报告", "信息公开年报", "公开年报", "年度报告", "政府信息公开年度报告",
            "年报专栏", "政府信息公开工作年报", "政务公开年报", "年报")
LINK_FORMS = ("text", "text", "span", "em", "br", "title_only", "img_alt")
ORGAN_LABELS = {"gov": ("县政府", "本级", "县本级", "政府年报", "县人民政府"),
                "bm": ("县直部门", "部门", "部门年报", "县直单位", "市直单位", "部门及单位"),
                "xz": ("乡镇", "乡镇（街道）", "街道", "乡镇街道", "下级", "乡镇年报")}
ORGAN_DIRS = {"gov": ("bj/", "xzf/", "zfnb/", "bjnb/"), "bm": ("bm/", "bmxxgknb/", "bmnb/", "xzbm/"),
              "xz": ("xzjd/", "xz/", "xznb/", "jdxz/")}
YEAR_LABELS = ("{y}年度", "{y}年", "{y}", "{y}年度报告")
YEAR_DIRS = ("nb_{y}n/", "{y}n/", "gknb{y}/", "{y}/")
ROWS = ("ul", "table", "div", "dl")
GENERIC_WORDS = ("查看", "详情", "下载", "附件", "[详细]", "filename", "date")
DATE_FORMATS = ("%Y-%m-%d", "[%Y-%m-%d]", "%Y/%m/%d", "%Y年%m月%d日", "%Y.%m.%d")
HREF_STYLES = ("root", "relative", "absolute", "protocol", "mixed")
FDZD_SIBLINGS = ("机构职能", "政策文件", "规划计划", "财政信息", "统计信息", "人事信息", "重点领域信息公开")
NEWS_WORDS = ("召开", "开展", "举行", "部署", "调研", "推进", "督查", "启动")
NEWS_THINGS = ("政务公开工作推进会", "安全生产大检查", "重点项目集中开工仪式", "乡村振兴专题会议", "森林防火演练",
               "文明城市创建工作", "营商环境优化提升行动", "防汛抗旱工作", "“法律进乡村”宣传活动", "招商引资推介会")
# more decoys beside web.DECOYS (title with {county} and {y}); none is an annual report on disclosure
EXTRA_DECOYS = ("{county}{y}年度法治政府建设情况报告", "{county}政府信息公开工作考核办法", "{county}{y}年预算执行情况的报告",
                "{county}{y}年政府工作报告", "关于{county}{y}年政府信息公开工作年度报告的编制说明",
                "{county}{y}年政务公开工作总结", "{county}政府信息公开申请表")


def pick(rng: random.Random, options: tuple[Any, ...] | list[Any]) -> Any:
    return options[rng.randrange(len(options))]


def draw_common(rng: random.Random) -> dict[str, Any]:
    """The family-independent part of a site's variant; each key is drawn on its own."""
    gk = pick(rng, GK_TEXTS)
    return {
        "gk_text": gk, "nb_text": pick(rng, NB_TEXTS), "gk_link": pick(rng, LINK_FORMS), "nb_link": pick(rng, LINK_FORMS),
        "portal_text": pick(rng, [t for t in ("政务公开", "政务", "公开") if t != gk]),
        "depth": pick(rng, (0, 1, 1, 2, 2, 3)),  # clicks from home to the page that links the column
        "subcols": pick(rng, ("none", "none", "organ", "year", "organ_year")),
        "subcol_ui": pick(rng, ("tabs", "tree", "select")),
        "subcol_paths": pick(rng, ("extend", "extend", "separate")),
        "top_list": pick(rng, ("all", "first", "menu")),
        "organ_labels": {k: pick(rng, v) for k, v in ORGAN_LABELS.items()},
        "organ_dirs": {k: pick(rng, v) for k, v in ORGAN_DIRS.items()},
        "year_label": pick(rng, YEAR_LABELS), "year_dir": pick(rng, YEAR_DIRS),
        "row": pick(rng, ROWS), "title_shown": pick(rng, ("full", "full", "cut_attr", "cut_bare", "mixed")),
        "cut": rng.randint(12, 22), "full_attr": rng.random() < 0.5,
        "link_text": "generic" if rng.random() < 0.25 else "title", "generic_word": pick(rng, GENERIC_WORDS),
        "date_fmt": pick(rng, DATE_FORMATS), "date_cell": rng.random() < 0.8,
        "bare_docs": rng.random() < 0.35,  # attachments linked straight from the list
        "nbhz": rng.random() < 0.25,  # a 年报汇总 page holding bare documents
        "href": pick(rng, HREF_STYLES),
        "charset_in": pick(rng, ("both", "both", "header", "meta", "neither")),
        "meta_style": pick(rng, ("http-equiv", "charset")),
        "news": pick(rng, (4, 12, 40, 300)), "friend_links": rng.random() < 0.6,
        "page_size": pick(rng, (5, 6, 8, 10, 12, 15, 20, 25, 40)),
        "attach_markup": pick(rng, ("plain", "plain", "word", "viewer")),
        "extra_decoys": rng.sample(range(len(EXTRA_DECOYS)), rng.randint(0, 3)),
    }


@dataclass
class ListPage:
    """One page of a list a site announces (an HTML page, or an API answer): what a reader requests to see it.

    `base` is the URL its links are relative to (the column page for fragments an API returns).
    """

    method: str
    url: str
    data: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    base: str = ""
    kind: str = "html"  # html, json, xml


@dataclass
class Listing:
    """A list of the 年报 column: the column itself or a sub-column (by organ type or year)."""

    key: str  # top, gov, bm, xz, y2023, bm-y2023
    label: str
    entries: list[Entry]
    parent: Listing | None = None
    children: list[Listing] = field(default_factory=list)
    path: str = ""  # the URL (path and query) of its first page
    index: int = 0


class VariantFamily(Family):
    """A family whose layout comes from `spec.variant`; subclasses give URL schemes and how lists are delivered."""

    article_schemes: ClassVar[tuple[str, ...]] = ("/html/{y}/{md}/{id}.html",)

    def __init__(self, spec: Any, origin: str, entries: list[Entry], attach_origin: str | None = None) -> None:
        super().__init__(spec, origin, entries, attach_origin)
        self.v: dict[str, Any] = spec.variant
        self.netloc = origin.split("//", 1)[1]
        self.lazy: dict[str, Callable[[], Resp]] = {}
        self.lazy_attach: dict[str, Callable[[], Resp]] = {}
        self.list_pages: list[ListPage] = []
        self.listings: list[Listing] = []
        self._lazy_lock = threading.Lock()
        self.gk_path = self.v.get("gk_path", self.gk_path)

    # ---------------------------------------------------------------- serving
    def respond(self, req: Req) -> Resp:
        self._materialize(req.target, self.lazy, self.files) or self._materialize(req.path, self.lazy, self.files)
        return super().respond(req)

    def respond_attach(self, req: Req) -> Resp:
        self._materialize(req.path, self.lazy_attach, self.attach_files)
        return self.attach_files.get(req.path) or Resp(404, NOT_FOUND, "text/html; charset=iso-8859-1")

    def _materialize(self, key: str, lazy: dict[str, Callable[[], Resp]], files: dict[str, Resp]) -> bool:
        make = lazy.get(key)
        if make is None:
            return False
        with self._lazy_lock:
            if key not in files:
                files[key] = make()
        return True

    # ---------------------------------------------------------------- links
    def href(self, target: str, here: str) -> str:
        """A link from page `here` to `target` (both site paths) in the site's drawn style."""
        style = self.v["href"]
        if target.startswith(("http://", "https://", "#", "javascript:")):
            return target
        if style == "mixed":
            style = ("root", "relative", "absolute", "protocol")[sum(map(ord, target)) % 4]
        if style == "absolute":
            return self.origin + target
        if style == "protocol":
            return "//" + self.netloc + target
        if style == "relative":
            path, _, query = target.partition("?")
            base = posixpath.dirname(here.split("?")[0]) or "/"
            rel = posixpath.relpath(path, base)
            if path.endswith("/") and rel != ".":
                rel += "/"
            if not rel.startswith("."):
                rel = "./" + rel
            elif rel == ".":
                rel = "./"
            return rel + ("?" + query if query else "")
        return target

    def menu_a(self, href: str, text: str, form: str) -> str:
        """A menu link in one of the real shapes: text, in <span>/<em>, broken by <br>, icon with title, <img alt>."""
        h = esc(href)
        if form == "span":
            return f'<a href="{h}"><i class="icon"></i><span>{esc(text)}</span></a>'
        if form == "em":
            return f'<a href="{h}"><em>{esc(text)}</em></a>'
        if form == "br" and len(text) >= 4:
            cut = len(text) // 2
            return f'<a href="{h}"><span>{esc(text[:cut])}<br>{esc(text[cut:])}</span></a>'
        if form == "title_only":
            return f'<a href="{h}" title="{esc(text)}" class="icon-link"><i class="iconfont icon-nianbao"></i></a>'
        if form == "img_alt":
            return f'<a href="{h}"><img src="/images/icon_{abs(hash(text)) % 97}.png" alt="{esc(text)}"></a>'
        return f'<a href="{h}">{esc(text)}</a>'

    # ---------------------------------------------------------------- chrome
    def page_text(self, title: str, main: str, head: str = "") -> str:
        enc, how = self.spec.encoding, self.v["charset_in"]
        meta = ""
        if how in ("both", "meta"):
            meta = (f'<meta http-equiv="Content-Type" content="text/html; charset={enc}">' if self.v["meta_style"] ==
                    "http-equiv" else f'<meta charset="{enc}">')
        nav = "".join(f"<li>{a}</li>" for a in self.nav_links())
        full = esc(title) if title == self.site else f"{esc(title)}_{self.site}"
        return (f"<!DOCTYPE html>\n<html>\n<head>\n{meta}\n<title>{full}</title>\n{head}</head>\n<body>\n"
                f'<div class="top-bar">欢迎访问{self.site}门户网站 <a href="/wza/">无障碍</a> <a href="/m/">手机版</a></div>\n'
                f'<div class="header"><div class="logo"><a href="/">{self.site}</a></div>\n<ul class="nav">{nav}</ul></div>\n'
                f'<div class="main">\n{main}\n</div>\n{self.footer()}</body>\n</html>\n')

    def nav_links(self) -> list[str]:
        v = self.v
        links = ['<a href="/">首页</a>', f'<a href="{self.news_path}">新闻中心</a>']
        if v["depth"] == 3:
            links.insert(1, f'<a href="{self.portal_path}">{esc(v["portal_text"])}</a>')
        elif v["depth"] >= 1:
            links.insert(1, self.menu_a(self.gk_path, v["gk_text"], v["gk_link"]))
        return [*links, f'<a href="{self.nav_path("办事服务")}">办事服务</a>', f'<a href="{self.nav_path("互动交流")}">互动交流</a>']

    def footer(self) -> str:
        friends = ""
        if self.v["friend_links"]:
            r = random.Random(self.spec.slug + "friends")
            sites = [("www.gov.cn", "中国政府网"), ("www.henan.gov.cn", "河南省人民政府"), ("www.gansu.gov.cn", "甘肃省人民政府"),
                     ("www.mof.gov.cn", "财政部"), ("www.stats.gov.cn", "国家统计局"), ("www.moe.gov.cn", "教育部")]
            friends = ('<div class="friends">友情链接：' + "".join(
                f'<a href="http://{n}/" target="_blank">{t}</a> ' for n, t in r.sample(sites, 4)) + "</div>\n")
        return friends + super().footer()

    portal_path = "/zwgk/portal.html"

    def crumbs(self, here: str) -> str:
        return (f'<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="{esc(self.gk_path)}">'
                f"{esc(self.v['gk_text'])}</a> &gt; {esc(here)}</div>\n")

    def news_items(self) -> list[tuple[str, str]]:
        r = random.Random(self.spec.slug + "news")
        c = self.spec.county
        return [(f"{self.news_dir}{r.randint(10**6, 10**7)}_{i}.html", f"{c}{pick(r, NEWS_WORDS)}{pick(r, NEWS_THINGS)}")
                for i in range(self.v["news"])]

    news_dir = "/xwzx/"

    # ---------------------------------------------------------------- building
    def build(self) -> None:
        v = self.v
        news = self.news_items()
        news_block = "".join(f'<li><a href="{esc(self.href(p, "/"))}">{esc(t)}</a></li>' for p, t in news[:8])
        home = (f'<div class="banner">{self.site}欢迎您</div>\n<div class="news"><h2>要闻动态</h2><ul>{news_block}</ul>'
                f'<a class="more" href="{self.news_path}">更多&gt;&gt;</a></div>\n')
        if v["depth"] == 0:
            home += (f'<div class="gk"><h2>{esc(v["gk_text"])}</h2><ul><li>'
                     f'{self.menu_a(self.href(self.column_url, "/"), v["nb_text"], v["nb_link"])}</li></ul></div>\n')
        self.files["/"] = self.files["/index.html"] = self.page(self.site, home)
        links = [(t, p) for t, p in self.extra_paths.items()]
        if v["depth"] == 1:
            links.append((v["nb_text"], self.column_url))
        items = "".join(f"<li>{self.menu_a(self.href(p, self.gk_path), t, v['nb_link'] if p == self.column_url else 'text')}"
                        "</li>" for t, p in links)
        self.files[self.gk_path] = self.page(v["gk_text"], (
            f'<div class="position">当前位置：<a href="/">首页</a> &gt; {esc(v["gk_text"])}</div>\n'
            f'<div class="gk-menu"><h2>{esc(v["gk_text"])}</h2><ul>{items}</ul></div>\n'), self.gk_head())
        if v["depth"] == 3:
            self.files[self.portal_path] = self.page(v["portal_text"], (
                f'<div class="portal"><h2>{esc(v["portal_text"])}</h2><ul><li>'
                f'{self.menu_a(self.href(self.gk_path, self.portal_path), v["gk_text"], v["gk_link"])}</li>'
                '<li><a href="/zwgk/zcjd/">政策解读</a></li><li><a href="/zwgk/rdhy/">热点回应</a></li></ul></div>\n'))
        fdzd = self.extra_paths["法定主动公开内容"]
        for label, path in self.extra_paths.items():
            inner = self.simple(label, "guide" if "指南" in label else "")
            if path == fdzd and v["depth"] >= 2:
                subs = [f'<li><a href="{esc(self.href(self.fdzd_sibling(i), fdzd))}">{t}</a></li>'
                        for i, t in enumerate(FDZD_SIBLINGS[:5])]
                subs.insert(random.Random(self.spec.slug).randint(0, 5), "<li>" + self.menu_a(
                    self.href(self.column_url, fdzd), v["nb_text"], v["nb_link"]) + "</li>")
                inner = f'<div class="fdzd"><h2>法定主动公开内容</h2><ul>{"".join(subs)}</ul></div>\n'
            self.files[path] = self.page(label, self.crumbs(label) + inner)
        for label in ("办事服务", "互动交流"):
            self.files[self.nav_path(label)] = self.page(label, self.simple(label, ""))
        chrome = {"/wza/": "无障碍", "/m/": "手机版", "/zwgk/zcjd/": "政策解读", "/zwgk/rdhy/": "热点回应",
                  **{self.fdzd_sibling(i): t for i, t in enumerate(FDZD_SIBLINGS[:5])}}
        for path, label in chrome.items():
            self.files.setdefault(path, self.page(label, self.crumbs(label) + self.simple(label, "")))
        self.files[self.news_path] = self.page("新闻中心", self.crumbs("新闻中心") + '<ul class="news-list">' + "".join(
            f'<li><a href="{esc(self.href(p, self.news_path))}">{esc(t)}</a></li>' for p, t in news) + "</ul>\n")
        for p, t in news:
            self.lazy[p] = (lambda t=t: self.page(t, self.simple(t, "news")))
        self.place_documents()
        for e in self.entries:
            self.build_entry(e)
        if self.spec.column:
            self.build_listings()

    def fdzd_sibling(self, i: int) -> str:
        return self.extra_paths["法定主动公开内容"].rsplit("/", 1)[0] + f"/fdzd{i}/index.html"

    def place_documents(self) -> None:
        """Which attachment reports are linked bare from the list, or sit on the 年报汇总 page only."""
        self.bare: set[int] = set()
        self.hz: list[Entry] = []
        docs = [e for e in self.entries if e.report is not None and e.form != "html"]
        r = random.Random(self.spec.slug + "docs")
        for e in docs:
            if self.v["nbhz"] and (not self.hz or r.random() < 0.5):
                self.hz.append(e)
            elif self.v["bare_docs"] and r.random() < 0.7:
                self.bare.add(e.id)

    def build_entry(self, e: Entry) -> None:
        if e.report is not None and e.form != "html":
            apath = self.attachment_path(e)
            self.attachments += 1
            if self.attach_origin and self.attachments % 2:
                self.lazy_attach[apath] = lambda e=e: self.attachment_resp(e)
                doc = self.doc_urls[e.id] = self.attach_origin + apath
                href = doc
            else:
                self.lazy[apath] = lambda e=e: self.attachment_resp(e)
                doc = self.doc_urls[e.id] = self.origin + apath
                href = self.attachment_href(e, apath)
            if e.id in self.bare or e in self.hz:
                self.page_urls[e.id] = doc
                return
            path = self.article_path(e)
            self.page_urls[e.id] = self.origin + path
            self.lazy[path] = lambda e=e, path=path, href=href: self.article(
                e, f"<p>{esc(e.title)}全文见附件。</p>\n" + self.attachment_block(e, self.href(href, path)))
            return
        path = self.article_path(e)
        self.page_urls[e.id] = self.origin + path
        if e.report is None:
            self.lazy[path] = lambda e=e: self.article(e, self.prose(e))
        else:
            self.doc_urls[e.id] = self.origin + path
            self.lazy[path] = lambda e=e: Resp(body=self.report_page(e), ctype=self.ctype)

    def attachment_resp(self, e: Entry) -> Resp:
        if not e.doc:  # forms=False: DOCX made on first request (python-docx takes ~0.5 s a document)
            assert e.report is not None and e.form == "docx"
            e.doc = to_docx(e.report, e.quirks)
        return super().attachment_resp(e)

    def attachment_block(self, e: Entry, href: str) -> str:
        how = self.v["attach_markup"]
        if how == "word":
            return f'<p>附件下载：<a href="{esc(href)}" title="{esc(e.filename)}">点击下载</a></p>'
        if how == "viewer" and e.ext == "pdf":
            return (f'<p><img data-uitype="pdf" data-powerurl="{esc(href)}" src="/images/pdf.png"></p>'
                    f'<p><a href="{esc(href)}">{esc(e.filename)}</a></p>')
        return super().attachment_block(e, href)

    # ---------------------------------------------------------------- the column and its sub-columns
    def build_listings(self) -> None:
        v = self.v
        listed = [e for e in self.entries if e not in self.hz]
        top = Listing("top", v["nb_text"], listed)
        if v["subcols"] in ("organ", "organ_year"):
            for sec in ("gov", "bm", "xz"):
                items = [e for e in listed if e.section == sec or (sec == "gov" and e.section == "decoy")]
                if items:
                    top.children.append(Listing(sec, v["organ_labels"][sec], items, top))
        if v["subcols"] == "year":
            top.children = self.by_year(top)
        if v["subcols"] == "organ_year":
            for child in top.children:
                child.children = self.by_year(child)
        leaves = self.leaves(top)
        if v["top_list"] == "first" and top.children:
            top.entries = leaves[0].entries
        elif v["top_list"] == "menu" and top.children:
            top.entries = []
        for lst in self.walk(top):
            if lst.children and lst is not top and v["top_list"] == "menu":
                lst.entries = []
        self.listings = list(self.walk(top))
        for i, lst in enumerate(self.listings):
            lst.index = i
            lst.path = self.column_url if lst is top else self.listing_path(lst)
        for lst in self.listings:
            self.render_listing(lst)
        if self.hz:
            self.build_hz()

    def by_year(self, parent: Listing) -> list[Listing]:
        years: dict[int, list[Entry]] = {}
        for e in parent.entries:
            years.setdefault(self.entry_year(e), []).append(e)
        return [Listing(f"{parent.key}-y{y}" if parent.key != "top" else f"y{y}",
                        self.v["year_label"].format(y=y), items, parent) for y, items in sorted(years.items(), reverse=True)]

    def entry_year(self, e: Entry) -> int:
        return e.report["year"] if e.report else max(2019, min(e.date.year - 1, self.spec.years[-1]))

    @staticmethod
    def walk(lst: Listing) -> list[Listing]:
        out = [lst]
        for c in lst.children:
            out += VariantFamily.walk(c)
        return out

    @staticmethod
    def leaves(lst: Listing) -> list[Listing]:
        return [x for x in VariantFamily.walk(lst) if not x.children]

    def listing_dir(self, lst: Listing) -> str:
        """A folder for a sub-column: extending its parent's folder, or (drawn) beside the column's."""
        assert lst.parent is not None
        v = self.v
        parent = self.column_dir if lst.parent.parent is None else self.listing_dir(lst.parent)
        if lst.key.startswith("y") or "-y" in lst.key:
            sub = v["year_dir"].format(y=lst.key.rsplit("y", 1)[1])
        else:
            sub = v["organ_dirs"][lst.key]
        if v["subcol_paths"] == "separate" and lst.parent.parent is None:
            return "/xxgknb/" + sub
        return parent + sub

    column_dir = "/zfxxgk/zfxxgknb/"

    def listing_path(self, lst: Listing) -> str:
        """The first page of a sub-column; families with ids instead of folders override it."""
        return self.listing_dir(lst) + "index.html"

    def subnav(self, here: Listing, at: str) -> str:
        """Links to the sub-columns, as tabs, a tree or a <select onchange>; empty without sub-columns."""
        if len(self.listings) < 2:
            return ""
        ui = self.v["subcol_ui"]
        top = self.listings[0]
        if ui == "select":
            opts = "".join(f'<option value="{esc(self.href(x.path, at))}"{" selected" if x is here else ""}>'
                           f"{'—' * self.level(x)}{esc(x.label)}</option>" for x in self.listings)
            return f'<div class="subcol"><select onchange="window.location.href=this.value">{opts}</select></div>\n'
        if ui == "tree":
            def tree(x: Listing) -> str:
                kids = "".join(tree(c) for c in x.children)
                cls = ' class="on"' if x is here else ""
                return (f'<li{cls}><a href="{esc(self.href(x.path, at))}">{esc(x.label)}</a>'
                        + (f"<ul>{kids}</ul>" if kids else "") + "</li>")
            return f'<div class="left-tree"><ul>{tree(top)}</ul></div>\n'
        cur = ' class="cur"'
        tabs = " ".join(f'<a href="{esc(self.href(x.path, at))}"{cur if x is here else ""}>{esc(x.label)}</a>'
                        for x in self.listings[1:] if x.parent is top or x.parent is here or x.parent is here.parent)
        return f'<div class="tabs">{tabs}</div>\n'

    @staticmethod
    def level(x: Listing) -> int:
        n = 0
        while x.parent is not None:
            n, x = n + 1, x.parent
        return n

    def build_hz(self) -> None:
        """The 年报汇总 page: bare documents, linked from the column's first page."""
        path = self.hz_path
        rows = "".join(f'<li><a href="{esc(self.href(self.doc_urls[e.id].removeprefix(self.origin), path))}">'
                       f"{esc(e.title if i % 2 == 0 else e.filename)}</a></li>" for i, e in enumerate(self.hz))
        self.files[path] = self.page("年报汇总", self.crumbs("年报汇总") + f'<div class="hz"><h2>年报汇总</h2><ul>{rows}</ul></div>')
        self.list_pages.append(ListPage("GET", self.origin + path, base=self.origin + path))

    @property
    def hz_path(self) -> str:
        return "/zfxxgk/nbhz/index.html"

    def hz_link(self, at: str) -> str:
        return f'<p class="hz-link"><a href="{esc(self.href(self.hz_path, at))}">年报汇总</a></p>\n' if self.hz else ""

    def render_listing(self, lst: Listing) -> None:
        """Static list pages (paths from `page_path`, pager from `pager`); API families override it."""
        pages = chunks(lst.entries, self.v["page_size"])
        n = len(pages)
        for k, chunk in enumerate(pages, start=1):
            path = self.page_path(lst, k)
            body = (self.subnav(lst, path) + self.rows(chunk, path) + self.pager(lst, k, n, len(lst.entries), path)
                    + (self.hz_link(path) if lst.index == 0 else ""))
            self.files[path] = self.page(lst.label, self.list_block(lst.label, body))
            self.list_pages.append(ListPage("GET", self.origin + path, base=self.origin + path))

    def list_block(self, heading: str, items: str, after: str = "") -> str:
        return self.crumbs(heading) + f'<div class="list-box"><h2 class="list-title">{esc(heading)}</h2>\n{items}\n{after}</div>\n'

    def page_path(self, lst: Listing, k: int) -> str:
        raise NotImplementedError

    def pager(self, lst: Listing, k: int, n: int, total: int, here: str) -> str:
        raise NotImplementedError

    def list_target(self, page: int) -> str:
        return self.column_url

    # ---------------------------------------------------------------- URLs from the drawn patterns
    def fmt(self, pattern: str, e: Entry) -> str:
        d, r = e.date, random.Random(e.id)
        return pattern.format(col=self.column_dir, ym=f"{d:%Y%m}", ymd=f"{d:%Y%m%d}", y=d.year, m=f"{d:%m}", d=f"{d:%d}",
                              md=f"{d:%m%d}", M=d.month, D=d.day, id=e.id, ext=self.v.get("ext", "html"), form=e.form,
                              p0=f"P0{d:%Y%m%d}{r.randint(10**11, 10**12 - 1)}", rnd=r.randint(10**5, 10**6),
                              hex=f"{r.getrandbits(64):016x}")

    def article_path(self, e: Entry) -> str:
        return self.fmt(self.v["article"], e)

    def attachment_path(self, e: Entry) -> str:
        return self.fmt(self.v["attach"], e)

    # ---------------------------------------------------------------- rows
    def entry_href(self, e: Entry) -> str:
        """Where a list row links: the article page, or the document itself when linked bare."""
        url = self.page_urls.get(e.id) or self.origin + self.article_path(e)
        return url

    def rows(self, entries: list[Entry], here: str) -> str:
        v = self.v
        rows = "\n".join(self.row(e, self.href(self.link_of(e), here), i) for i, e in enumerate(entries))
        wrap = {"table": ('<table class="list" width="100%"><tbody>', "</tbody></table>"), "ul": ('<ul class="list">', "</ul>"),
                "div": ('<div class="list">', "</div>"), "dl": ('<div class="list">', "</div>")}[v["row"]]
        return wrap[0] + "\n" + (rows or self.empty_row()) + "\n" + wrap[1]

    def empty_row(self) -> str:
        return {"table": "<tr><td>暂无信息</td></tr>", "ul": "<li>暂无信息</li>"}.get(self.v["row"], "<p>暂无信息</p>")

    def link_of(self, e: Entry) -> str:
        """The site path (or off-site URL) a list row links to."""
        if e.id in self.bare:
            url = self.doc_urls[e.id]
            return url.removeprefix(self.origin) if url.startswith(self.origin) else url
        return self.article_path(e)

    def row(self, e: Entry, href: str, i: int) -> str:
        v = self.v
        title = e.title + ("（图片版）" if e.decorated else "")
        mode = v["title_shown"]
        if mode == "mixed":
            mode = ("full", "cut_attr", "cut_bare")[i % 3]
        shown = title if mode == "full" or len(title) <= v["cut"] else title[:v["cut"]] + "…"
        attr = self.title_attr(e, title) if mode == "cut_attr" or (mode == "full" and v["full_attr"]) else ""
        date = e.date.strftime(v["date_fmt"])
        dcell = date if v["date_cell"] else ""
        h = esc(href)
        if v["link_text"] == "generic":
            word = v["generic_word"]
            word = href.rsplit("/", 1)[-1].split("?")[0] if word == "filename" else date if word == "date" else word
            t = esc(title)
            return {"table": f'<tr><td class="bt">{t}</td><td>{dcell}</td><td><a href="{h}" target="_blank">{esc(word)}</a></td></tr>',
                    "ul": f'<li><span class="bt">{t}</span><a href="{h}" target="_blank">{esc(word)}</a><span class="date">{dcell}</span></li>',
                    "div": f'<div class="item"><h4>{t}</h4><p><a href="{h}" target="_blank">{esc(word)}</a> {dcell}</p></div>',
                    "dl": f'<dl><dt>{t}</dt><dd><a href="{h}" target="_blank">{esc(word)}</a></dd><dd>{dcell}</dd></dl>'}[v["row"]]
        a = f'<a href="{h}"{attr} target="_blank">{esc(shown)}</a>'
        return {"table": f"<tr><td>{a}</td><td>{dcell}</td></tr>", "ul": f'<li>{a}<span class="date">{dcell}</span></li>',
                "div": f'<div class="item">{a}<span class="time">{dcell}</span></div>',
                "dl": f'<dl><dd class="text_align_left">{a}</dd><dd class="date">{dcell}</dd></dl>'}[v["row"]]

    def title_attr(self, e: Entry, title: str) -> str:
        return f' title="{esc(title)}"'

    # ---------------------------------------------------------------- pagers shared by static families
    def plain_pager(self, k: int, n: int, total: int, here: str, url: Callable[[int], str]) -> str:
        """Page links in the site's drawn words (下一页 / 下页 / > …), page numbers or not, 共N条 / 共N页 or not."""
        v = self.v
        nxt, prev, last, first = v["pager_words"]
        links = []
        if k > 1:
            links += [f'<a href="{esc(self.href(url(1), here))}">{first}</a>', f'<a href="{esc(self.href(url(k - 1), here))}">{prev}</a>']
        if v["pager_numbers"]:
            links += [f'<a href="{esc(self.href(url(i), here))}">{i}</a>' if i != k else f'<span class="current">{i}</span>'
                      for i in range(1, n + 1)]
        if k < n:
            links += [f'<a href="{esc(self.href(url(k + 1), here))}">{nxt}</a>', f'<a href="{esc(self.href(url(n), here))}">{last}</a>']
        ann = {"records": f"共{total}条", "pages": f"共{n}页", "both": f"共{total}条 每页{v['page_size']}条 第{k}/{n}页",
               "none": ""}[v["announce"]]
        return f'<div class="page">{ann} {" ".join(links)}</div>\n'


PAGER_WORDS = (("下一页", "上一页", "尾页", "首页"), ("下页", "上页", "末页", "首页"), (">", "<", ">>", "<<"),
               ("»", "«", "尾页", "首页"), ("下一页>", "<上一页", "最后一页", "第一页"))


def draw_pager_words(rng: random.Random) -> dict[str, Any]:
    return {"pager_words": pick(rng, PAGER_WORDS), "pager_numbers": rng.random() < 0.6,
            "announce": pick(rng, ("records", "pages", "both", "none"))}
