"""The imitation of a WAF in front of the site (crawler/platforms/waf.py reads the real family)."""

from __future__ import annotations

from .base import WAF_412, Family, Req, Resp


class WafFamily(Family):
    """A site behind a WAF: every path answers 412 with an inline `$_ts` challenge script."""

    name = "waf"

    def build(self) -> None:
        self.files["/"] = Resp(412, WAF_412.encode(), "text/html; charset=utf-8", (
            ("Set-Cookie", f"FSSBBIl1UgzbN7N80S={self.rng.getrandbits(160):040x}; Path=/; HttpOnly"),
            ("Server", "******")))

    def respond(self, req: Req) -> Resp:
        return self.files["/"]
