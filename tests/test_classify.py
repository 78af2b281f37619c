"""Link classification (crawler/classify.py) on real titles and decoys, in-process."""

from __future__ import annotations

import pytest

from crawler import classify


@pytest.mark.parametrize("text, organ, year", [
    ("宁县2021年政府信息公开工作年度报告", "宁县", 2021),
    ("社旗县人民政府2024年政府信息公开工作年度报告", "社旗县人民政府", 2024),
    ("西峡县人民政府办公室2023年政府信息公开工作年度报告", "西峡县人民政府办公室", 2023),
    ("城关镇2022年政府信息公开工作年度报告", "城关镇", 2022),
    ("潢川县教育体育局2019年度政府信息公开工作年度报告", "潢川县教育体育局", 2019),
    ("平潭综合实验区2025年度政府信息公开工作年度报告", "平潭综合实验区", 2025),
    ("宁县2021年政府信息公开工作年度报告（图片版）", "宁县", 2021),
    ("宁县2021年政府信息公开工作年度报告(超链版)", "宁县", 2021),
    ("宁县2021年政府信息 公开工作年度报告", "宁县", 2021),  # broken across two lines in the list
    ("泾川县教育局2023年政府信息公开…", "泾川县教育局", 2023),  # cut short by the list
    ("标题：宁县2022年政府信息公开工作年度报告 发表时间：2023-01-20", "宁县", 2022),  # ASP.NET title=
    ("2023-01-20 宁县2022年政府信息公开工作年度报告", "宁县", 2022),
    ("二〇二二年宁县政府信息公开工作年度报告", None, 2022),
])
def test_real_titles_are_reports(text: str, organ: str | None, year: int) -> None:
    link = classify.report_link(text)
    assert link is not None and link.year == year
    if organ is not None:
        assert link.organ == organ


@pytest.mark.parametrize("text", [
    "关于做好2023年政府信息公开工作年度报告编制工作的通知",
    "宁县2023年法治政府建设年度报告",
    "宁县2024年政务公开工作要点",
    "宁县政府信息公开指南",
    "宁县人民政府办公室2024年部门预算公开",
    "宁县2023年国民经济和社会发展统计公报",
    "政府信息公开年报",
    "2023年",
    "下一页",
    "",
])
def test_decoys_and_columns_are_not_reports(text: str) -> None:
    assert classify.report_link(text) is None


@pytest.mark.parametrize("text", ["政府信息公开年报", "信息公开年报", "公开年报", "政府信息公开工作年度报告", "年度报告", "年报"])
def test_columns(text: str) -> None:
    assert classify.is_column(text)


@pytest.mark.parametrize("text", ["2022年", "2022年度", "2022", "2022年年报"])
def test_year_folders(text: str) -> None:
    assert classify.is_year_folder(text) and not classify.is_column("宁县2021年政府信息公开工作年度报告")


@pytest.mark.parametrize("text, menu", [("政府信息公开", True), ("政务公开", True), ("法定主动公开内容", True),
                                        ("新闻中心", False), ("办事服务", False)])
def test_menu(text: str, menu: bool) -> None:
    assert classify.is_menu(text) is menu


@pytest.mark.parametrize("text, nxt", [("下一页", True), ("下页", True), (">>", True), ("3", True), ("尾页", True),
                                       ("上一页", False), ("首页", False)])
def test_next_page(text: str, nxt: bool) -> None:
    assert classify.is_next_page(text) is nxt


@pytest.mark.parametrize("url, doc", [
    ("http://x.gov.cn/ifile/20240120/170571234567812345.pdf", True),
    ("http://x.gov.cn/module/download/downfile.jsp?classid=0&filename=a.pdf", True),
    ("http://x.gov.cn/a/P020260601322559475097.DOCX", True),
    ("http://x.gov.cn/art/2024/1/5/art_1_1.html", False),
    ("http://x.gov.cn/zwgk/fdzdgknr/content_84166", False),
])
def test_document_urls(url: str, doc: bool) -> None:
    assert classify.is_document_url(url) is doc
