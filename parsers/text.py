"""Text normalisation and cell values.

PDF text often carries Kangxi radicals (U+2F00–U+2FD5) and CJK Radicals Supplement code points
(U+2E80–U+2EFF) instead of the ideographs they look like. NFKC maps the Kangxi block (sometimes to a
traditional form) but leaves most of the supplement alone, so both are completed here.
"""

from __future__ import annotations

import re
import unicodedata

# CJK Radicals Supplement (U+2E81–U+2EF3) → the ideograph it stands for, simplified where it has a simplified form.
_SUPPLEMENT = dict(
    zip(
        "⺁⺆⺇⺈⺉⺊⺋⺌⺍⺎⺏⺐⺑⺒⺓⺔⺕⺖⺗⺘⺙⺛⺜⺝⺞⺟⺠⺡⺢⺣⺤⺥⺦⺧⺨⺩⺪⺫⺬⺭⺮⺯⺰⺱⺲⺳⺴⺵⺶⺷⺸⺹⺺⺻⺼⺽⺾⺿⻀⻁⻂⻃⻄⻅⻆⻇⻈⻉⻊⻋⻌⻍⻎⻏⻐⻑⻒⻓⻔⻕⻖⻗⻘⻙⻚⻛⻜⻝⻞⻟⻠⻡⻢⻣⻤⻥⻦⻧⻨⻩⻪⻫⻬⻭⻮⻯⻰⻱⻲⻳",
        "厂冂几刀刂卜㔾小小兀尢尢尢巳幺彑彐忄心扌攵旡日月歺母民氵氺灬爫爫丬牛犭王疋目示礻竹糸纟罒罒网网网羊羊羊耂肀聿月臼艹艹艹虎衤覀西见角角讠贝足车辶辶辶阝钅长镸长门阜阝雨青韦页风飞食食食饣首马骨鬼鱼鸟卤麦黄黾齐齐齿齿龙龙龟龟龟",
        strict=True,
    )
)

# Traditional forms that NFKC yields for Kangxi radicals, mapped to the simplified ideograph.
_SIMPLIFIED = dict(
    zip(
        "戶門長頁風飛馬魚鳥鹵麥黃齊齒龍龜車貝見言韋靑鬥糸金食",
        "户门长页风飞马鱼鸟卤麦黄齐齿龙龟车贝见言韦青斗糸金食",
        strict=True,
    )
)
_KANGXI_RANGE = range(0x2F00, 0x2FD6)

# one table: supplement radicals to ideographs, Kangxi radicals to what NFKC makes of them, simplified
_TABLE = str.maketrans({
    **_SUPPLEMENT,
    **{chr(c): _SIMPLIFIED.get(k, k) for c in _KANGXI_RANGE if (k := unicodedata.normalize("NFKC", chr(c)))},
})


def normalize(text: str) -> str:
    """NFKC plus radicals, with simplified forms where NFKC gives a traditional one."""
    if not text or text.isascii():
        return text or ""
    return unicodedata.normalize("NFKC", text.translate(_TABLE))


_WS = re.compile(r"\s+")


def squash(text: str) -> str:
    """Normalised text with all white space removed: the form used for matching labels and titles."""
    return _WS.sub("", normalize(text))


# ---- values -------------------------------------------------------------------------------------

DASHES = {"", "-", "--", "---", "—", "——", "–", "―", "‒", "─", "−", "/", "\\", "无", "〇"}
# markers that only count as an empty cell when they fill a whole cell (not a word in running text)
_CELL_ONLY = {"无", "/", "\\"}
_UNITS = ("万元", "元", "件", "条", "项", "个", "次", "宗", "份", "人次", "家")
_NUM = re.compile(r"^(?P<sign>[+\-−]|增加|减少|增|减)?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?P<unit>万元|元|人次|件|条|项|个|次|宗|份|家)?$")


# put after a value by OCR when its reading is unsure: the cell is a value, but the number stands only if
# the form's arithmetic confirms it (report.settle_doubts); a private-use code point, never in a document
DOUBT = "\ue000"
# put after a value OCR read fairly but not surely: it stands where the form's arithmetic covers it (a
# misreading fails a check there) and is null where nothing does (the active-disclosure table)
FAIR = "\ue001"


def doubtful(cell: str | None) -> bool:
    return bool(cell) and DOUBT in cell  # type: ignore[operator]


def fair(cell: str | None) -> bool:
    return bool(cell) and FAIR in cell  # type: ignore[operator]


def _unmarked(cell: str) -> str:
    return squash(cell).replace(DOUBT, "").replace(FAIR, "")


def is_value(cell: str | None, *, word: bool = False) -> bool:
    """True when a cell holds a number or a blank/dash marker (a value cell of a numeric table).

    `word`: the cell is a word split out of running text, where 无 and / are words, not empty cells.
    """
    if cell is None:
        return False
    s = _unmarked(cell)
    if s in DASHES:
        return not (word and (s in _CELL_ONLY or s == ""))
    return _NUM.match(s) is not None


def parse_value(cell: str | None, *, decimals: bool = False, unit: str | None = None) -> int | float | None:
    """A cell as a number: blank/dash → 0; separators, full-width digits, units and signs handled.

    Returns None when the cell is not a readable number. With `unit` (e.g. "万元"), a value printed in
    元 is converted; an integer-valued decimal stays an int.
    """
    if cell is None:
        return None
    s = _unmarked(cell)
    if s in DASHES:
        return 0
    m = _NUM.match(s)
    if not m:
        return None
    raw = m["num"].replace(",", "")
    value: int | float = float(raw) if "." in raw else int(raw)
    if m["sign"] in ("-", "−", "减", "减少"):
        value = -value
    if unit == "万元" and m["unit"] == "元":
        value = value / 10000
    if isinstance(value, float):
        if not decimals and value.is_integer():
            return int(value)
        if decimals:
            value = round(value, 6)
            return int(value) if value.is_integer() else value
        return None
    return value


def cell_unit(cell: str | None) -> str | None:
    m = _NUM.match(_unmarked(cell or ""))
    return m["unit"] if m else None


# ---- Chinese years -------------------------------------------------------------------------------

_CN_DIGITS = dict(zip("〇零○O一二三四五六七八九", "0000123456789", strict=True))


def cn_year(text: str) -> str:
    """Replace years written in Chinese numerals (二〇二一年) with digits."""
    return re.sub(
        r"[〇零○一二三四五六七八九]{4}(?=年)",
        lambda m: "".join(_CN_DIGITS[c] for c in m.group()),
        text,
    )


def display_width(text: str) -> int:
    """Columns a terminal gives `text`: CJK (wide and full-width) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int) -> str:
    """`text` padded with spaces to a display width (at least one space after it), for terminal tables."""
    return text + " " * max(1, width - display_width(text))
