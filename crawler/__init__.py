"""nianbao's crawler.

Importing it keeps a run offline by itself: tldextract, with which Scrapy's cookie middleware splits a cookie's
domain, reads the Public Suffix List snapshot it ships instead of downloading the list at every start (which,
offline, costs two warnings and a wait). An empty TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS means no URL to fetch; a
user's own value is kept.
"""

import os

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
