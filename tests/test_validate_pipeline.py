"""The validation pipeline, in-process: valid reports pass, invalid ones are dropped, counted and named."""

from __future__ import annotations

import logging
import random
from datetime import UTC, datetime
from typing import Any

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawler.items import DocumentItem, RemovedItem, SeenItem
from crawler.pipelines.validate import ValidationPipeline
from crawler.settings import ITEM_PIPELINES
from parsers import parse_bytes
from tests.web import render as R


@pytest.fixture
def pipeline() -> ValidationPipeline:
    crawler = get_crawler()
    crawler.stats.open_spider()
    return ValidationPipeline.from_crawler(crawler)


def _item(site: str = "宁县") -> DocumentItem:
    report = parse_bytes(R.to_text(R.random_report(random.Random(2), "2021"), "space").encode(), "r.txt")
    return DocumentItem(site=site, page_url="http://x.gov.cn/r.txt", document_url="http://x.gov.cn/r.txt", body=b"...",
                        content_type="text/plain", http_status=200, fetched_at=datetime.now(UTC), discovery_path=[],
                        report=report)


def test_it_sits_between_parse_and_store() -> None:
    order = sorted(ITEM_PIPELINES, key=ITEM_PIPELINES.__getitem__)
    assert order.index("crawler.pipelines.parse.ParsePipeline") < order.index(
        "crawler.pipelines.validate.ValidationPipeline") < order.index("crawler.pipelines.store.StorePipeline")


def test_a_valid_report_passes_unchanged(pipeline: ValidationPipeline) -> None:
    item = _item()
    assert pipeline.process_item(item) is item
    assert pipeline.crawler.stats.get_value("nianbao/invalid_reports") is None


def test_an_invalid_report_is_dropped_counted_and_named(pipeline: ValidationPipeline, caplog) -> None:
    bad = _item("社旗县")
    bad.report["requests"]["new"]["total"] = "11"
    with pytest.raises(DropItem, match=r"^invalid report: http://x.gov.cn/r.txt: requests.new.total: expected integer"):
        pipeline.process_item(bad)
    missing = _item("社旗县")
    del missing.report["template"]
    with pytest.raises(DropItem, match="template: missing"):
        pipeline.process_item(missing)
    pipeline.process_item(_item("宁县"))
    stats = pipeline.crawler.stats
    assert stats.get_value("nianbao/invalid_reports") == 2
    assert stats.get_value("nianbao/site/社旗县/invalid_reports") == 2
    assert stats.get_value("nianbao/site/宁县/invalid_reports") is None
    with caplog.at_level(logging.INFO, logger="crawler.pipelines.validate"):
        pipeline.close_spider()
    assert "1 of 3 parsed reports valid (33.3 %)" in caplog.text


@pytest.mark.parametrize("item", [SeenItem("宁县", [1, 2]), RemovedItem("宁县", [1, 2], "404")])
def test_what_a_recrawl_learned_passes_through(pipeline: ValidationPipeline, item: Any) -> None:
    assert pipeline.process_item(item) is item
    assert pipeline.crawler.stats.get_value("nianbao/invalid_reports") is None
