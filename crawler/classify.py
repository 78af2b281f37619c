"""What a link is, from its text: an annual report, a decoy, the 政府信息公开 menu, a 年报 column, a next page.

Pure functions over normalised link text (and the URL where the text says nothing), shared by every platform.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from parsers.identity import region_of
from parsers.text import cn_year, squash

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


_COLUMN = re.compile(r"(?:政府)?信息公开(?:工作)?年(?:度)?报(?:告)?$|年报$|公开年报|年度报告$|^年度报告")
_YEAR_FOLDER = re.compile(r"^(?:19|20)\d\d年?度?(?:年报)?$")
_MENU = re.compile(r"^(?:政府信息公开|政务公开|信息公开|政府信息公开专栏|政务公开专栏|法定主动公开内容|信息公开目录)$")
_NEXT = re.compile(r"^(?:下一页|下页|后一页|>|>>|»|›|尾页|末页|\d{1,3})$")


def is_column(text: str) -> bool:
    """A link to a 年报 column (a list of reports), not to one report."""
    s = squash(text)
    return bool(s) and len(s) <= 16 and _COLUMN.search(s) is not None and report_link(s) is None


def is_year_folder(text: str) -> bool:
    """A year sub-column inside a 年报 column (2022年, 2022年度)."""
    return _YEAR_FOLDER.match(squash(text)) is not None


def is_menu(text: str) -> bool:
    """A link to the 政府信息公开 / 政务公开 menu that leads to the 年报 column."""
    return _MENU.match(squash(text)) is not None


def is_next_page(text: str) -> bool:
    return _NEXT.match(squash(text)) is not None


DOCUMENT_EXTENSIONS = (".pdf", ".doc", ".docx", ".wps", ".xls", ".xlsx", ".txt", ".rtf", ".jpg", ".jpeg", ".png", ".ofd")


def is_document_url(url: str) -> bool:
    path = url.split("?", 1)[0].split("#", 1)[0].lower()
    return path.endswith(DOCUMENT_EXTENSIONS) or "downfile" in path or "download" in path
