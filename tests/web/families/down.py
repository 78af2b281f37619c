"""The imitation of a site that answers 503 (crawler/platforms/down.py reads the real family)."""

from __future__ import annotations

from .base import DEAD_503, Family, Req, Resp


class DownFamily(Family):
    """A dead site: every path answers 503 forever."""

    name = "down"

    def build(self) -> None:
        pass

    def respond(self, req: Req) -> Resp:
        return Resp(503, DEAD_503, "text/html", (("Server", "nginx"), ("Retry-After", "120")))
