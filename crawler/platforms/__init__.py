"""CMS families, one module each: how a family pages its 年报 list beyond plain links.

Every family's list entries are read the same way (`links_in`: anchors in HTML, in CDATA records, in HTML
inside JSON, and title/url pairs in JSON); a platform only says how to ask for the next pages. A family is
detected from the page itself, so a county is a row in the registry, not code. Adding a family is adding a
module here (a `Platform` subclass with a `name`, a `marker` and `pages`), found by `PLATFORMS` on import.
"""

from __future__ import annotations

import importlib
import pkgutil

from .base import MAX_PAGES, PAGE, Platform, links_in, next_page, paged

__all__ = ["MAX_PAGES", "PAGE", "PLATFORMS", "Platform", "detect", "links_in", "next_page", "paged"]


def _discover() -> tuple[type[Platform], ...]:
    found: list[type[Platform]] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        found += [v for v in vars(module).values()
                  if isinstance(v, type) and issubclass(v, Platform) and v.__module__ == module.__name__]
    return tuple(found)


PLATFORMS: tuple[type[Platform], ...] = _discover()


def detect(html: str) -> list[Platform]:
    """Every family whose marks the page carries (a page may mix a TRS list with a Hanweb sidebar)."""
    return [cls() for cls in PLATFORMS if cls.detect(html)]
