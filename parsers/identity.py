"""Who reports, for which year: title, year, organ and region from a report's text."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from .text import cn_year, squash

# Chinese characters: the basic block, Extension A, compatibility ideographs and the supplementary planes
# (Extensions B–H: place names use characters only GB18030 encodes, such as 𠀋)
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_ORGAN = rf"[{HAN}()（）·]{{1,40}}?"
_REPORT = r"(?:政府)?信息公开(?:工作)?(?:年度)?报告"
_DECORATION = r"(?:\((?:图片版|超链版|全文|文字版|修订版|更正版|正式版|PDF版|pdf版|附表|附件)\))*"
_TITLE_FORMS = (
    re.compile(rf"^(?P<organ>{_ORGAN})(?P<year>(?:19|20)\d\d)(?P<nian>年度?){_REPORT}(?P<deco>{_DECORATION})$"),
    re.compile(rf"^(?P<year>(?:19|20)\d\d)(?P<nian>年度?)(?P<organ>{_ORGAN}){_REPORT}(?P<deco>{_DECORATION})$"),
    re.compile(rf"^(?P<organ>{_ORGAN})政府信息公开工作(?P<year>(?:19|20)\d\d)(?P<nian>年度?)报告(?P<deco>{_DECORATION})$"),
)
_NOT_ORGAN = re.compile(r"关于|做好|编制|印发|通知|转发|公布|公告|现将|发布|本机关|我|^\d|^(?:人民)?政府$|^本级$")

_PERIOD = re.compile(r"统计期限[^。\n]{0,12}?((?:19|20)\d\d)年0?1月0?1日")
_ANY_YEAR = re.compile(r"((?:19|20)\d\d)年")


@dataclass
class Identity:
    title: str | None = None
    year: int | None = None
    organ: str | None = None
    region: str | None = None
    title_year: int | None = None
    period_year: int | None = None


def _match_title(line: str) -> re.Match[str] | None:
    s = cn_year(squash(line))
    for form in _TITLE_FORMS:
        m = form.match(s)
        if m and not _NOT_ORGAN.search(m["organ"]):
            return m
    return None


def report_titles(lines: list[str]) -> set[str]:
    """The distinct report titles that stand as lines of their own (a list page is made of them)."""
    out = set()
    for line in lines:
        first = re.split(r"\t| {2,}|\u3000", line.strip(), maxsplit=1)[0]  # a title in a row of its date
        m = _match_title(first) if 8 <= len(first) <= 80 else None
        if m:
            out.add(_title_from(m))
    return out


def _title_from(m: re.Match[str]) -> str:
    return m.group(0)[: len(m.group(0)) - len(m["deco"])]


def find_title(lines: list[str], hints: list[str], period_year: int | None = None) -> re.Match[str] | None:
    """The report title: a line of the body (or two or three lines joined), else a page hint.

    Pages also list other reports (sidebars, 相关链接), so among body candidates the one the page's own
    title names wins, then the one whose year is the 统计期限's, then the first.
    """
    lines = [ln for ln in (ln.strip() for ln in lines) if ln][:600]
    found: list[re.Match[str]] = []
    for i in range(len(lines)):
        for n in (1, 2, 3):
            if i + n <= len(lines):
                m = _match_title("".join(lines[i : i + n]))
                if m:
                    found.append(m)
                    break
    from_hints = []
    for hint in hints:
        s = cn_year(squash(hint))
        cut = re.search(r"报告(?:\([^)]{0,8}\))*", s)
        m = _match_title(s[: cut.end()]) if cut else None
        if m:
            from_hints.append(m)
    hinted = {_title_from(m) for m in from_hints}
    for pick in (
        lambda m: _title_from(m) in hinted,
        lambda m: period_year is not None and int(m["year"]) == period_year,
        lambda m: True,
    ):
        for m in found:
            if pick(m):
                return m
    return from_hints[0] if from_hints else None


# Administrative units at county level or above, as they open an organ's name.
_UNIT_SUFFIX = "省市州盟县区旗"
_UNIT = re.compile(rf"[{HAN}]{{1,12}}?(?:自治区|自治州|自治县|自治旗|特别行政区|地区|林区|特区|[{_UNIT_SUFFIX}])")
_TOWNSHIP = ("镇", "乡", "街道", "村", "社区", "苏木")
_NOT_UNIT = {"城市", "社区", "园区", "小区", "景区", "街区", "片区", "矿区", "库区", "辖区", "山区", "牧区", "校区", "超市"}


def region_of(organ: str) -> str | None:
    """The lowest county-level (or higher) unit naming the organ: 淮安市洪泽区人民政府 → 洪泽区."""
    units: list[str] = []
    pos = 0
    while pos < len(organ):
        m = _UNIT.match(organ, pos)
        if not m:
            break
        end = m.end()
        # 社旗|县, 郑州|市: a suffix-looking character was part of the name (but 宁县|市场监督管理局 is not)
        if end < len(organ) and organ[end] in _UNIT_SUFFIX and organ[end + 1 : end + 2] != "场":
            end += 1
        unit = organ[pos:end]
        if unit in _NOT_UNIT or organ.startswith(_TOWNSHIP, end):
            break  # 太和县|旧县镇: a township named after a 县 is not a county
        units.append(unit)
        pos = end
    units = [u for u in units if not u.endswith(("省", "自治区", "特别行政区"))] or units
    return units[-1] if units else None


def identify(text: str, hints: list[str]) -> Identity:
    ident = Identity()
    flat = cn_year(squash(text))
    period = _PERIOD.search(flat)
    if period:
        ident.period_year = int(period.group(1))
    m = find_title(text.splitlines(), hints, ident.period_year)
    if m:
        ident.title = _title_from(m)
        ident.organ = m["organ"]
        ident.title_year = int(m["year"])
        ident.region = region_of(ident.organ)
    if ident.title_year:
        ident.year = ident.title_year
    elif ident.period_year:
        ident.year = ident.period_year
    else:
        years = Counter(int(y) for y in _ANY_YEAR.findall(flat) if 2000 <= int(y) <= 2100)
        ident.year = years.most_common(1)[0][0] if years else None
    return ident
