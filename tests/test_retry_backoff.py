"""The wait before a retried request: none for a first try, the base for the first retry, doubled for each
further one, never more than the cap; from the settings NIANBAO_RETRY_BACKOFF(_MAX)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from scrapy import Request
from scrapy.utils.test import get_crawler

from crawler.middlewares import RetryBackoff


def waits(middleware: RetryBackoff, tries: list[int], monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(asyncio, "sleep", sleep)
    for n in tries:
        request = Request("http://127.0.0.1/", meta={"retry_times": n} if n else {})
        assert asyncio.run(middleware.process_request(request)) is None
    return slept


def test_retries_wait_longer_each_time_up_to_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    assert waits(RetryBackoff(1.0, 5.0), [0, 1, 2, 3, 4, 5], monkeypatch) == [1.0, 2.0, 4.0, 5.0, 5.0]


def test_no_backoff_retries_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    assert waits(RetryBackoff(0.0, 5.0), [1, 2], monkeypatch) == []


def test_the_backoff_comes_from_the_settings() -> None:
    crawler: Any = get_crawler(settings_dict={"NIANBAO_RETRY_BACKOFF": 2.5, "NIANBAO_RETRY_BACKOFF_MAX": 7})
    middleware = RetryBackoff.from_crawler(crawler)
    assert (middleware.base, middleware.cap) == (2.5, 7.0)
