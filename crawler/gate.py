"""The private-address guard for Chromium: every connection the browser opens goes through a SOCKS5 gate on
loopback that applies the plain-HTTP guard's rule (crawler.middlewares.refused).

Playwright's request routing cannot be the guard: it never sees a redirect (the browser follows those by
itself), nor a WebSocket, nor a name that resolves to a private address after the check. The gate sees every
connection, redirects and sub-resources included, resolves the name once and connects to the address it
checked. A refused connection fails in the browser like a dead host; nothing from it reaches a callback.
WebRTC, whose UDP no proxy sees, is taken away from every frame.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
import struct
from typing import Any

from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

from crawler.config import Config
from crawler.middlewares import REFUSED_STAT, refused

log = logging.getLogger(__name__)

_OK, _NOT_ALLOWED, _UNREACHABLE = 0, 2, 4
CONNECT_TIMEOUT = 30.0


class Gate:
    """A SOCKS5 (RFC 1928, CONNECT only, no authentication) server on 127.0.0.1 for one crawl's browser."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.server: asyncio.Server | None = None
        self.seen: set[tuple[str, int]] = set()  # refused targets: one warning each

    @property
    def port(self) -> int:
        assert self.server is not None
        return self.server.sockets[0].getsockname()[1]

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.server.wait_closed(), 2)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            target = await asyncio.wait_for(self._handshake(reader, writer), CONNECT_TIMEOUT)
            if target is not None:
                upstream_reader, upstream_writer = target
                await asyncio.gather(_pipe(reader, upstream_writer), _pipe(upstream_reader, writer))
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            writer.close()

    async def _handshake(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> Any:
        version, n = await reader.readexactly(2)
        await reader.readexactly(n)
        if version != 5:
            raise ValueError("not SOCKS5")
        writer.write(b"\x05\x00")  # no authentication
        _, command, _, kind = await reader.readexactly(4)
        if kind == 1:
            host = socket.inet_ntop(socket.AF_INET, await reader.readexactly(4))
        elif kind == 4:
            host = socket.inet_ntop(socket.AF_INET6, await reader.readexactly(16))
        elif kind == 3:
            host = (await reader.readexactly((await reader.readexactly(1))[0])).decode("idna")
        else:
            raise ValueError("bad address type")
        (port,) = struct.unpack("!H", await reader.readexactly(2))
        if command != 1:
            return self._reply(writer, _NOT_ALLOWED)
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError:
            return self._reply(writer, _UNREACHABLE)
        addresses = [info[4][0] for info in infos]
        if refused(host, addresses, self.crawler.spider):
            self.crawler.stats.inc_value(REFUSED_STAT)
            self.crawler.stats.inc_value(f"{REFUSED_STAT}/browser")
            level = logging.DEBUG if (host, port) in self.seen else logging.WARNING
            self.seen.add((host, port))
            log.log(level, "browser: refused a connection to %s:%d (a private or loopback address)", host, port)
            return self._reply(writer, _NOT_ALLOWED)
        family, _, _, _, address = infos[0]
        try:
            upstream = await asyncio.open_connection(address[0], address[1], family=family)
        except OSError:
            return self._reply(writer, _UNREACHABLE)
        self._reply(writer, _OK)
        return upstream

    @staticmethod
    def _reply(writer: asyncio.StreamWriter, code: int) -> None:
        writer.write(bytes([5, code, 0, 1]) + ipaddress.IPv4Address(0).packed + b"\x00\x00")


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    finally:
        with contextlib.suppress(OSError):
            writer.close()


# WebRTC sends UDP (STUN) to any address a page names, and UDP does not go through a SOCKS5 proxy: in every
# frame, before the page's scripts run, there is no RTCPeerConnection (no list page needs one)
NO_WEBRTC = """for (const name of ['RTCPeerConnection', 'webkitRTCPeerConnection', 'RTCIceTransport']) {
  try { Object.defineProperty(globalThis, name, {value: undefined, writable: false, configurable: false}); } catch (e) {}
}"""


class GuardedDownloadHandler(ScrapyPlaywrightDownloadHandler):
    """scrapy-playwright's handler whose Chromium connects only through the gate (unless private addresses are
    allowed): plain HTTP is guarded by crawler.middlewares.PrivateAddressGuard, the browser here."""

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self.gate = None if Config.from_crawler(crawler).allow_private else Gate(crawler)
        self.started = False
        self.start_lock = asyncio.Lock()

    async def _launch(self) -> None:
        """Nothing when the engine starts: Playwright (a Node.js driver, one per scheme's handler) is started by
        the first page that needs a browser, so a crawl that renders nothing never pays for it."""

    async def _start(self) -> None:
        async with self.start_lock:
            if self.started:
                return
            if self.gate is not None:
                await self.gate.start()
                self.config.launch_options = {
                    **self.config.launch_options,
                    # <-loopback>: loopback addresses too go through the gate (Chromium sends them direct otherwise)
                    "proxy": {"server": f"socks5://127.0.0.1:{self.gate.port}", "bypass": "<-loopback>"},
                }
            await super()._launch()
            self.started = True

    async def _download_request(self, request: Any, spider: Any = None) -> Any:
        await self._start()
        return await super()._download_request(request, spider)

    async def _create_browser_context(self, *args: Any, **kwargs: Any) -> Any:
        wrapper = await super()._create_browser_context(*args, **kwargs)
        if self.gate is not None:
            await wrapper.context.add_init_script(NO_WEBRTC)
        return wrapper

    async def _close(self) -> None:
        await super()._close()
        if self.gate is not None:
            await self.gate.close()
