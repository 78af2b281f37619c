"""The two national forms (国办公开办函〔2019〕60号 and 〔2021〕30号), defined once, as data.

A row of a form is found by its label, never by position: each row lists the phrases that identify it
(after normalisation and removal of white space), and the number of value cells it carries. Labels of
the same row differ between reports (typos, numbering styles, wrapped lines), so phrases are short,
distinctive fragments; `exact` phrases must be the whole label once its numbering is stripped.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RowSpec:
    """One row of a form: where its values go and how to recognise its label."""

    section: str  # "active" | "requests" | "appeals"
    key: str
    columns: tuple[str, ...]
    phrases: tuple[str, ...] = ()
    exact: tuple[str, ...] = ()
    decimals: frozenset[str] = field(default_factory=frozenset)  # columns keeping decimals
    unit: str | None = None  # unit of the decimal column (checked against units printed in cells)
    optional: bool = False  # may be legitimately absent (merged into another row)


REQUEST_COLUMNS = ("natural_person", "commercial", "research", "social_welfare", "legal_services", "other_org", "total")
APPEAL_COLUMNS = ("upheld", "corrected", "other", "pending", "total")
APPEAL_BLOCKS = ("review", "litigation_direct", "litigation_after_review")


def _req(key: str, *phrases: str, exact: tuple[str, ...] = (), optional: bool = False) -> RowSpec:
    return RowSpec("requests", key, REQUEST_COLUMNS, phrases, exact, optional=optional)


# Section 三: shared by both forms except the （六）其他处理 group.
_REQUESTS_HEAD = (
    _req("new", "本年新收", "新收政府信息公开申请"),
    _req("carried_over", "上年结转"),
    _req("disclosed", "予以公开"),
    _req("partially_disclosed", "部分公开"),
    _req("withheld_state_secret", "国家秘密"),
    _req("withheld_prohibited_by_law", "行政法规禁止", "法规禁止公开", "禁止公开", "行政止公开", "法律行政"),
    _req("withheld_three_securities_one_stability", "三安全一稳定", "三安全", "一稳定"),
    _req("withheld_third_party_rights", "第三方合法权益", "第三方"),
    _req("withheld_internal_affairs", "内部事务"),
    _req("withheld_process_information", "过程性信息", "过程性"),
    _req("withheld_enforcement_files", "执法案卷"),
    _req("withheld_administrative_inquiry", "行政查询", "查询事项"),
    _req("unavailable_not_held", "不掌握"),
    _req("unavailable_needs_creation", "另行制作", "没有现成信息"),
    _req("unavailable_unclear_after_correction", "仍不明确", "补正后"),
    _req("rejected_petition_complaint", "信访举报", "举报投诉", "投诉类"),
    _req("rejected_repeated", "重复申请"),
    _req("rejected_publication", "公开出版物", "出版物"),
    _req("rejected_excessive", "大量反复", "无正当理由大量"),
    _req("rejected_confirmation", "确认或重新出具", "重新出具", "要求行政机关确认"),
)
_REQUESTS_TAIL = (
    _req("handled_total", exact=("总计", "合计")),
    _req("carried_forward", "结转下年度", "下年度继续办理", "继续办理"),
)
_OTHER = _req("other", exact=("其他", "其他处理", "其它", "其它处理"))

REQUESTS_2021 = (
    *_REQUESTS_HEAD,
    _req("other_no_correction", "逾期不补正", "不补正", optional=True),
    _req("other_unpaid_fee", "缴纳费用", "收费通知", "未按收费", optional=True),
    _OTHER,
    *_REQUESTS_TAIL,
)
REQUESTS_2019 = (*_REQUESTS_HEAD, _OTHER, *_REQUESTS_TAIL)

_ISSUED = ("issued", "repealed", "in_force")
_MADE = ("new_made", "new_published", "total_published")
_ITEMS = ("last_year_items", "change", "decisions")

ACTIVE_2021 = (
    RowSpec("active", "rules", _ISSUED, ("规章",)),
    RowSpec("active", "normative_documents", _ISSUED, ("规范性文件",)),
    RowSpec("active", "licensing", ("decisions",), ("行政许可",)),
    RowSpec("active", "penalties", ("decisions",), ("行政处罚",)),
    RowSpec("active", "coercion", ("decisions",), ("行政强制",)),
    RowSpec(
        "active", "fees", ("amount_10k_yuan",), ("事业性收费", "行政事业收费"),
        decimals=frozenset({"amount_10k_yuan"}), unit="万元",
    ),
)
ACTIVE_2019 = (
    RowSpec("active", "rules", _MADE, ("规章",)),
    RowSpec("active", "normative_documents", _MADE, ("规范性文件",)),
    RowSpec("active", "licensing", _ITEMS, ("行政许可",)),
    RowSpec("active", "other_services", _ITEMS, ("对外管理服务", "其他对外管理")),
    RowSpec("active", "penalties", _ITEMS, ("行政处罚",)),
    RowSpec("active", "coercion", _ITEMS, ("行政强制",)),
    RowSpec("active", "fees", ("last_year_items", "change"), ("事业性收费", "行政事业收费")),
    RowSpec("active", "procurement", ("items", "amount"), ("集中采购", "政府采购"), decimals=frozenset({"amount"})),
)

APPEALS = tuple(
    RowSpec("appeals", key, APPEAL_COLUMNS, phrases)
    for key, phrases in (
        ("review", ("行政复议",)),
        ("litigation_direct", ("直接起诉", "未经复议")),
        ("litigation_after_review", ("复议后起诉",)),
    )
)


@dataclass(frozen=True)
class Template:
    name: str
    active: tuple[RowSpec, ...]
    requests: tuple[RowSpec, ...]
    # column headings that only this template prints (used to tell the templates apart)
    markers: tuple[str, ...]

    @property
    def rows(self) -> tuple[RowSpec, ...]:
        return (*self.active, *self.requests, *APPEALS)


TEMPLATES = {
    "2021": Template(
        "2021", ACTIVE_2021, REQUESTS_2021,
        ("本年制发件数", "本年废止件数", "现行有效件数", "本年处理决定数量", "本年收费金额", "制发件数", "现行有效"),
    ),
    "2019": Template(
        "2019", ACTIVE_2019, REQUESTS_2019,
        ("本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量", "本年增/减", "采购项目数量", "采购总金额",
         "其他对外管理服务事项"),
    ),
}
