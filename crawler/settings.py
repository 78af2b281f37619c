"""Scrapy settings: polite by default, Playwright only for the pages that ask for it.

The settings nianbao reads (its own NIANBAO_* and the Scrapy ones it reads itself) are declared, with their
defaults and meanings, in crawler/config.py; their defaults are set here from there.
"""

from __future__ import annotations

from crawler.config import Config, env

# NIANBAO_*, DOWNLOAD_DELAY, LOG_LEVEL (or $NIANBAO_LOG_LEVEL), REDIS_URL: the defaults of crawler.config.Config
globals().update(Config.defaults())

BOT_NAME = "nianbao"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = "nianbao/0.1 (annual-report research crawler; +https://github.com/nianbao/nianbao)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 128  # politeness is per host; this only bounds the whole crawl (requests waiting out a delay count too)
CONCURRENT_REQUESTS_PER_DOMAIN = 2
CONCURRENT_ITEMS = 8  # items per response handled at once: a page yields a few; Scrapy starts this many tasks per callback
DOWNLOAD_DELAY_JITTER = 0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = Config.download_delay
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
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"

DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.SiteSlots": 50,
    "crawler.middlewares.PrivateAddressGuard": 560,
    "crawler.middlewares.RetryBackoff": 570,
}
ITEM_PIPELINES = {
    "crawler.pipelines.parse.ParsePipeline": 300,
    "crawler.pipelines.validate.ValidationPipeline": 400,
    "crawler.pipelines.store.StorePipeline": 500,
}
EXTENSIONS = {
    "crawler.extensions.Progress": 500,
    "crawler.extensions.Resources": 510,
}

# scrapy-playwright: a download handler that only requests with meta["playwright"] go through
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
DOWNLOAD_HANDLERS = {
    "http": "crawler.gate.GuardedDownloadHandler",
    "https": "crawler.gate.GuardedDownloadHandler",
}
PLAYWRIGHT_BROWSER_TYPE = "chromium"
PLAYWRIGHT_LAUNCH_OPTIONS = {
    "executable_path": env("NIANBAO_CHROMIUM"),
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
REMOTE_CONTROL_ENABLED = False
LOG_FORMATTER = "crawler.logformat.ShortItems"
