"""Scrapy settings: polite by default, Playwright only for the pages that ask for it."""

from __future__ import annotations

import os

BOT_NAME = "nianbao"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = "nianbao/0.1 (annual-report research crawler; +https://github.com/nianbao/nianbao)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 128  # politeness is per host; this only bounds the whole crawl (requests waiting out a delay count too)
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
DOWNLOAD_DELAY_JITTER = 0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 10.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
REDIRECT_MAX_TIMES = 5
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024
COOKIES_ENABLED = True
HTTPERROR_ALLOW_ALL = True  # the spider reads 403/412/521 answers to tell a WAF from a dead page
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = os.environ.get("NIANBAO_LOG_LEVEL", "INFO")
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"

DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.SiteSlots": 50,
    "crawler.middlewares.PrivateAddressGuard": 560,
    "crawler.middlewares.RetryBackoff": 570,
}
ITEM_PIPELINES = {
    "crawler.pipelines.parse.ParsePipeline": 300,
    "crawler.pipelines.store.StorePipeline": 500,
}
EXTENSIONS = {
    "crawler.extensions.Progress": 500,
    "crawler.extensions.Resources": 510,
}

# scrapy-playwright: a download handler that only requests with meta["playwright"] go through
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
DOWNLOAD_HANDLERS = {
    "http": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
    "https": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
}
PLAYWRIGHT_BROWSER_TYPE = "chromium"
PLAYWRIGHT_LAUNCH_OPTIONS = {
    "executable_path": os.environ.get("NIANBAO_CHROMIUM", "/usr/bin/chromium"),
    "headless": True,
    "args": [
        "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
    ],
}
PLAYWRIGHT_MAX_CONTEXTS = 2
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 4
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 30_000
PLAYWRIGHT_ABORT_REQUEST = "crawler.middlewares.abort_heavy_request"

# nianbao's own
NIANBAO_ALLOW_PRIVATE = False  # follow redirects to private/loopback addresses (tests and the demo set it)
NIANBAO_DB = None  # SQLAlchemy URL or path; None → NIANBAO_DB env → sqlite:///nianbao.db
NIANBAO_RETRY_BACKOFF = 1.0  # seconds before the first retry, doubled for each further one
NIANBAO_RETRY_BACKOFF_MAX = 30.0
NIANBAO_TRACEBACKS = False  # log tracebacks (`nianbao crawl -v`)
NIANBAO_RUN_ID = 0  # the crawl run that fetched resources are recorded under (set by `nianbao crawl`)
REMOTE_CONTROL_ENABLED = False
NIANBAO_INCREMENTAL = True  # conditional GETs and skipping unchanged documents, from what earlier crawls stored
NIANBAO_NOTIFY: list[str] = []  # webhook / Apprise URLs that get every event (`nianbao crawl --notify`)
NIANBAO_NOTIFY_WAIT = 15.0  # at the end of a crawl, seconds to let notifications finish before giving up
NIANBAO_REVALIDATE_HOURS = 72.0  # a known report page without ETag/Last-Modified is fetched again after this long
LOG_FORMATTER = "crawler.logformat.ShortItems"
NIANBAO_REDELIVER_DAYS = 7.0  # events a --notify URL missed (it was down) are sent again by crawls within this long
