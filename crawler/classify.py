"""What a link is, from its text: an annual report, a decoy, the 政府信息公开 menu, a 年报 column, a next page.

Pure functions over normalised link text (and the URL where the text says nothing), shared by every platform.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from parsers.identity import region_of
from parsers.text import cn_year
from parsers.text import squash as _squash

# the same link texts come back on every page of a site (menus, footers): normalised once
squash = lru_cache(maxsize=200_000)(_squash)

_DECORATION = r"(?:[(（](?:图片版|超链版|全文|文字版|修订版|更正版|正式版|PDF版|pdf版)[)）])*"
# a report: <organ><year>年(度)政府信息公开工作年度报告, also cut short with … in lists
_REPORT = re.compile(
    r"^(?P<organ>[\u4e00-\u9fff()（）·]{0,40}?)(?P<year>(?:19|20)\d\d)年度?"
    r"(?P<rest>(?:政府)?信(?:息(?:公(?:开(?:工(?:作(?:年(?:度(?:报(?:告)?)?)?)?)?)?)?)?)?)"
    r"(?P<cut>…|\.\.\.|\.\.|)" + _DECORATION + "$"
)
_REPORT_ORGAN_AFTER = re.compile(
    r"^(?P<year>(?:19|20)\d\d)年度?(?P<organ>[\u4e00-\u9fff()（）·]{2,40}?)政府信息公开工作年度报告" + _DECORATION + "$"
)
_DECOY = re.compile(r"关于|通知|编制|做好|法治政府|工作要点|指南|预算|决算|统计公报|征求意见|解读|目录|制度|规定|办法|方案")
_FULL = "政府信息公开工作年度报告"


@dataclass(frozen=True)
class ReportLink:
    title: str  # as printed (normalised, white space removed)
    organ: str
    year: int
    region: str | None
    cut: bool  # the list cut the title short


def report_link(text: str) -> ReportLink | None:
    """A link text naming one annual report, or None (decoys, columns, other documents)."""
    s = cn_year(squash(text)).replace("【", "(").replace("】", ")")
    s = re.sub(r"^\d{4}-\d{1,2}-\d{1,2}|\d{4}-\d{1,2}-\d{1,2}$", "", s)  # dates printed beside titles
    s = re.sub(r"(?:发表|发布|更新)(?:时间|日期)[:：].*$", "", re.sub(r"^(?:标题|题名)[:：]", "", s))  # title="标题：… 发表时间：…"
    if not s or _DECOY.search(s):
        return None
    m = _REPORT.match(s)
    if m:
        rest, cut = m["rest"], bool(m["cut"])
        complete = rest.endswith("年度报告")
        if not complete and not (cut and len(rest) >= 2):
            return None
        organ = m["organ"]
        return ReportLink(s, organ, int(m["year"]), region_of(organ) if organ else None, not complete)
    m = _REPORT_ORGAN_AFTER.match(s)
    if m:
        return ReportLink(s, m["organ"], int(m["year"]), region_of(m["organ"]), False)
    return None


_TITLE_IN = re.compile(
    r"[\u4e00-\u9fff()（）·]{0,40}?(?:19|20)\d\d年度?[\u4e00-\u9fff()（）·]{0,40}?(?:政府)?信息公开(?:工作)?(?:年度)?报告"
    r"|[\u4e00-\u9fff()（）·]{1,40}?政府信息公开工作(?:19|20)\d\d年度?报告"
)


def is_decoy(text: str) -> bool:
    """A title that names something other than a report (a notice about compiling them, 法治政府建设, a guide …)."""
    return _DECOY.search(squash(text)) is not None


def find_report_title(text: str) -> ReportLink | None:
    """A report title inside longer text (a list row: the title beside a date, 查看 and 下载 links)."""
    s = cn_year(squash(text))
    if not s or _DECOY.search(s):
        return None
    for m in _TITLE_IN.finditer(s):
        for start in range(m.start(), m.end()):
            link = report_link(s[start:m.end()])
            if link is not None:
                return link
    return None


_COLUMN = re.compile(r"(?:政府)?信息公开(?:工作)?年(?:度)?报(?:告)?|年报|年度报告|公开报告$")
_YEAR_FOLDER = re.compile(r"^(?:19|20)\d\d年?度?(?:年报|报告|年度报告)?$|^(?:nb_?)?(?:19|20)\d\dn?$", re.I)
_ORGAN_FOLDER = re.compile(
    r"^(?:(?:县|区|市|旗|州|盟)?(?:政府|人民政府|本级|直|直部门|直单位|直属单位|属部门|级部门|级单位)(?:年报|年度报告)?"
    r"|(?:县|区|市|旗)?(?:政府)?(?:组成)?部门(?:及单位)?(?:年报|年度报告)?|(?:各|所属)?(?:乡镇|镇|乡|街道|乡镇街道|乡镇（街道）|乡镇\(街道\)|镇街|苏木)"
    r"(?:人民政府|办事处)?(?:年报|年度报告)?|下级(?:政府|单位)?(?:年报)?|本级(?:政府)?(?:年报)?|(?:县|区|市)?(?:直|属)?单位(?:年报)?|其他(?:单位)?)$"
)
_MENU = re.compile(r"^(?:(?:政府|政务)?信息)?公开(?:专栏|目录|平台|专题|网)?$|^政务公开|^政府信息公开|^信息公开|公开目录|^法定主动公开|^主动公开|^gk$")
_GENERIC = re.compile(
    r"^(?:查看|详情|详细|详细信息|点击查看|点击下载|查看详情|查看全文|全文|阅读全文|阅读|下载|附件|附件下载|下载附件|浏览|打开|原文|原文下载|"
    r"pdf|PDF|doc|word|Word|更多|more|>>|»|\d{4}[-./年]\d{1,2}[-./月]\d{1,2}日?|\d{4}年度?|\d{4}|"
    r"[\w\-]{0,60}\.(?:pdf|docx?|wps|ofd|xlsx?|s?html?|aspx?|jsp|php)|P0\d{10,}.*|[(（]?(?:图片版|文字版|超链版|PDF版)[)）]?)$", re.I)
_NEXT = re.compile(r"^(?:下一页|下页|后一页|后页|下一頁|>|>>|»|›|→|尾页|末页|最后一页|next|Next|\d{1,3})$")


def is_column(text: str) -> bool:
    """A link to a 年报 column (a list of reports), not to one report."""
    s = squash(text)
    return bool(s) and len(s) <= 20 and _COLUMN.search(s) is not None and report_link(s) is None and not _DECOY.search(
        re.sub(r"年度报告", "", s))


def is_year_folder(text: str) -> bool:
    """A year sub-column inside a 年报 column (2022年, 2022年度, nb_2022n)."""
    return _YEAR_FOLDER.match(squash(text)) is not None


def is_folder(text: str) -> bool:
    """A sub-column of a 年报 column by year or by kind of organ (县政府, 县直部门, 乡镇（街道）, 下级 …)."""
    s = squash(text)
    return bool(s) and (is_year_folder(s) or _ORGAN_FOLDER.match(s) is not None or
                        (len(s) <= 12 and _COLUMN.search(s) is not None and report_link(s) is None))


def is_menu(text: str) -> bool:
    """A link to the 政府信息公开 / 政务公开 area that leads to the 年报 column."""
    s = squash(text)
    return bool(s) and len(s) <= 14 and _MENU.search(s) is not None and re.search(r"指南|制度|规定|申请|办法", s) is None


def is_generic(text: str) -> bool:
    """Link text that names nothing: 查看, 下载, 附件, a date, a file name, an empty image link ([详细] too)."""
    s = re.sub(r"[\[\]【】〔〕<>《》>»]", "", squash(text))
    return not s or _GENERIC.match(s) is not None


def is_next_page(text: str) -> bool:
    return _NEXT.match(_bare(text)) is not None


_PAGER = re.compile(r"^(?:首页|第一页|上一页|上页|前页|前一页|<|<<|«|‹|←|prev|Prev|第?\d{1,3}页?)$")


def is_pager(text: str) -> bool:
    """A control of a list's pager: a page number, next, previous, first or last page."""
    return is_next_page(text) or _PAGER.match(_bare(text)) is not None


def _bare(text: str) -> str:
    return re.sub(r"^[\[【(（<>«»‹›\s]+(?=\S)|(?<=\S)[\]】)）<>«»‹›\s]+$", "", squash(text)) or squash(text)


DOCUMENT_EXTENSIONS = (".pdf", ".doc", ".docx", ".wps", ".xls", ".xlsx", ".txt", ".rtf", ".jpg", ".jpeg", ".png", ".ofd")


def is_document_url(url: str) -> bool:
    path = url.split("?", 1)[0].split("#", 1)[0].lower()
    return path.endswith(DOCUMENT_EXTENSIONS) or "downfile" in path or "download" in path
