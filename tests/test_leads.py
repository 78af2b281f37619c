"""Where a link leads (crawler/leads.py), by the link and where it sits: parametrised cases of real shapes."""

from __future__ import annotations

import pytest

from crawler.leads import Lead, lead
from crawler.listing import Link

ROOT = "/zfxxgk/zfxxgknb/"


@pytest.mark.parametrize("link, in_column, want", [
    (Link("http://x.gov.cn/zfxxgk/zfxxgknb/", "政府信息公开年报"), False, Lead.COLUMN),
    (Link("http://x.gov.cn/col/col123/index.html", "", title="年报专栏"), False, Lead.COLUMN),  # an icon link
    (Link("http://x.gov.cn/zwgk/", "政务公开"), False, Lead.MENU),
    (Link("http://x.gov.cn/col/col9/index.html", "信息公开目录"), False, Lead.MENU),
    (Link("http://x.gov.cn/zwgk/portal.html", "政务"), False, Lead.MENU),  # by its path
    (Link("http://x.gov.cn/xwzx/index.html", "新闻中心"), False, None),
    (Link("http://x.gov.cn/zfxxgk/gkzn/index.html", "政府信息公开指南"), False, None),
    (Link("http://x.gov.cn/zfxxgk/zfxxgknb/index_1.html", "下一页"), True, Lead.NEXT),
    (Link("http://x.gov.cn/zfxxgk/zfxxgknb/bm/", "县直部门"), True, Lead.SUB),
    (Link("http://x.gov.cn/other/2023n/list.aspx?cid=5", "2023年度"), True, Lead.SUB),  # a year, wherever it lives
    (Link("http://x.gov.cn/zfxxgk/zfxxgknb/xzjd/index.html", "下级"), True, Lead.SUB),  # a folder under the column
    (Link("http://x.gov.cn/zfxxgk/zfxxgknb/202401/t20240120_1.html", "关于做好年报工作的通知"), True, None),
    (Link("http://x.gov.cn/zwgk/", "政务公开"), True, None),  # no way back out of a column
    (Link("http://x.gov.cn/frame.html", "", frame=True), True, Lead.FRAME),
])
def test_lead(link: Link, in_column: bool, want: Lead | None) -> None:
    assert lead(link, in_column=in_column, menus_left=True, root_dir=ROOT, own_blocks=set()) == want


def test_tabs_beside_the_columns_own_link() -> None:
    tab = Link("http://x.gov.cn/nb/q.html", "本级单位", block=7)
    assert lead(tab, in_column=True, menus_left=True, root_dir="/a/", own_blocks={7}) == Lead.SUB
    assert lead(tab, in_column=True, menus_left=True, root_dir="/a/", own_blocks={3}) is None


def test_menus_end_at_the_depth() -> None:
    link = Link("http://x.gov.cn/zwgk/", "政务公开")
    assert lead(link, in_column=False, menus_left=False, root_dir="/", own_blocks=set()) is None
