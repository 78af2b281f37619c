"""A list that only a script builds, read in Chromium: the rendered DOM page after page (its own next-page
control clicked until the list ends), and the JSON/XML requests the page makes for its entries, so the rest
of the list can be asked for over plain HTTP.

Functions over a Playwright page; the spider decides what to do with what they return.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

# the list's own next-page control, whatever it is: a link, a button, a span, a pager item
_FIND_NEXT = r"""() => {
  const words = /^(下一页|下页|后页|后一页|下一頁|>|>>|›|»|→|next|Next|NEXT|加载更多|查看更多|点击加载更多|更多|load more|Load more|More)$/;
  const marks = /next|xyy|nextpage|下一页/i;
  // innermost first: a pager <div> whose whole text is 下一页 holds the link to click
  const els = Array.from(document.querySelectorAll('a, button, span, li, input[type=button], div, i')).reverse();
  for (const el of els) {
    const text = (el.innerText || el.value || '').trim();
    const attrs = [el.className, el.id, el.getAttribute('title'), el.getAttribute('aria-label')].join(' ');
    if (!(words.test(text) || (text.length < 6 && marks.test(attrs)))) continue;
    const off = /disabled|disable|no-?more|unable|ban/i.test(attrs) || el.disabled
      || el.getAttribute('aria-disabled') === 'true' || el.closest('.disabled');
    if (off) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    el.setAttribute('data-nianbao-next', '1');
    return true;
  }
  return false;
}"""


@dataclass
class Exchange:
    """A request the page made for data (XHR/fetch of JSON or XML) and its answer."""

    url: str
    method: str
    post_data: str | None
    headers: dict[str, str]
    body: str


@dataclass
class Rendered:
    pages: list[str] = field(default_factory=list)  # the DOM after each turn of the list
    exchanges: list[Exchange] = field(default_factory=list)


def _is_data(content_type: str, url: str) -> bool:
    ct = content_type.lower()
    return "json" in ct or "xml" in ct or "javascript" in ct and "callback" in url


async def read_list(page: Any, max_pages: int, settle_ms: int = 10_000) -> Rendered:
    """The rendered list, turn by turn: the DOM, then the next-page control clicked, until there is no such
    control, the DOM stops changing, or `max_pages` turns were read."""
    out = Rendered()
    pending: list[Any] = []

    def on_response(response: Any) -> None:
        request = response.request
        if request.resource_type in ("xhr", "fetch") and _is_data(response.headers.get("content-type", ""), request.url):
            pending.append(response)

    page.on("response", on_response)
    for _turn in range(max_pages):
        html = await page.content()
        if out.pages and html == out.pages[-1]:
            break
        out.pages.append(html)
        if not await page.evaluate(_FIND_NEXT):
            break
        before = await page.evaluate("() => document.body.innerText")
        try:
            await page.click("[data-nianbao-next]", timeout=5_000)
        except Exception as exc:  # noqa: BLE001 - a control that cannot be clicked ends the list
            log.debug("next-page control not clickable: %s", exc)
            break
        try:  # the list is redrawn (or a new page loads): wait for the text to change, then for the network
            await page.wait_for_function("(t) => document.body && document.body.innerText !== t", arg=before,
                                         timeout=settle_ms)
            await page.wait_for_load_state("networkidle", timeout=settle_ms)
        except Exception:  # noqa: BLE001 - nothing changed in time (or the page never goes idle): read what is there
            await asyncio.sleep(0.3)
        await page.evaluate("() => document.querySelectorAll('[data-nianbao-next]')"
                            ".forEach(el => el.removeAttribute('data-nianbao-next'))")
        if any(page_template(_exchange(r)) for r in pending):
            out.pages.append(await page.content())
            break  # the page asks a data endpoint by page number: the rest is asked for over plain HTTP
    for response in pending:
        try:
            body = await response.text()
        except Exception:  # noqa: BLE001 - an answer already gone from the browser's cache
            continue
        out.exchanges.append(_exchange(response, body))
    return out


def _exchange(response: Any, body: str = "") -> Exchange:
    request = response.request
    return Exchange(request.url, request.method, request.post_data, dict(request.headers), body)


_PAGE_PARAM = re.compile(r"(?P<key>[?&](?:page|pageno|pageindex|pagenum|pn|p|curpage|currentpage|cpage|page_no|pageNo|"
                         r"pageIndex|pageNum|curPage|currentPage)=)(?P<n>\d{1,4})(?=&|$)", re.I)


def page_template(exchange: Exchange) -> tuple[str, str | None] | None:
    """(URL, form body) of a data request with its page number replaced by `{n}`, when it carries one."""
    for target in ("url", "body"):
        text = exchange.url if target == "url" else "&" + (exchange.post_data or "")
        m = _PAGE_PARAM.search(text)
        if m and int(m["n"]) >= 1:
            templ = text[: m.start("n")] + "{n}" + text[m.end("n"):]
            if target == "url":
                return templ, exchange.post_data
            return exchange.url, templ[1:]
    return None
